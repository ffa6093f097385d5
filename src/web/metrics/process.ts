/**
 * process_* metrics as Prometheus's Go client exports them (read from /proc where available)
 * and nodejs_* metrics under prom-client's names, for the runtime underneath.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Labels } from '../../model/labels.js';
import type { MetricFamily } from '../../exposition/family.js';
import { family, type Registry } from './registry.js';

const START_TIME_SECONDS = Math.floor(Date.now() / 1000 - process.uptime());

function openFds(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

function procLimits(): { maxFds?: number; maxVirtual?: number } {
  try {
    const text = fs.readFileSync('/proc/self/limits', 'utf8');
    const num = (re: RegExp): number | undefined => {
      const m = re.exec(text);
      if (!m) return undefined;
      return m[1] === 'unlimited' ? Number.MAX_VALUE : Number(m[1]);
    };
    return { maxFds: num(/^Max open files\s+(\S+)/m), maxVirtual: num(/^Max address space\s+(\S+)/m) };
  } catch {
    return {};
  }
}

function virtualMemory(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[20]);
  } catch {
    return undefined;
  }
}

/** Registers the process and Node.js collectors on `reg`. */
export function registerProcessMetrics(reg: Registry): void {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const limits = procLimits();
  reg.register(() => {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const out: MetricFamily[] = [
      family(
        'process_cpu_seconds_total',
        'counter',
        'Total user and system CPU time spent in seconds.',
        (cpu.user + cpu.system) / 1e6,
      ),
      family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', mem.rss),
      family(
        'process_start_time_seconds',
        'gauge',
        'Start time of the process since unix epoch in seconds.',
        START_TIME_SECONDS,
      ),
      family(
        'nodejs_heap_size_total_bytes',
        'gauge',
        'Process heap size from Node.js in bytes.',
        mem.heapTotal,
      ),
      family(
        'nodejs_heap_size_used_bytes',
        'gauge',
        'Process heap size used from Node.js in bytes.',
        mem.heapUsed,
      ),
      family('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.', mem.external),
      family(
        'nodejs_eventloop_lag_p99_seconds',
        'gauge',
        'The 99th percentile of the recorded event loop delays.',
        lag.percentile(99) / 1e9,
      ),
      family(
        'nodejs_eventloop_lag_max_seconds',
        'gauge',
        'The maximum recorded event loop delay.',
        lag.max / 1e9,
      ),
      family(
        'nodejs_version_info',
        'gauge',
        'Node.js version info.',
        1,
        Labels.fromStrings('version', process.version),
      ),
    ];
    const fds = openFds();
    if (fds !== undefined)
      out.push(family('process_open_fds', 'gauge', 'Number of open file descriptors.', fds));
    if (limits.maxFds !== undefined)
      out.push(family('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', limits.maxFds));
    const vm = virtualMemory();
    if (vm !== undefined)
      out.push(family('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.', vm));
    if (limits.maxVirtual !== undefined) {
      out.push(
        family(
          'process_virtual_memory_max_bytes',
          'gauge',
          'Maximum amount of virtual memory available in bytes.',
          limits.maxVirtual,
        ),
      );
    }
    return out;
  });
}
