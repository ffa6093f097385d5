/**
 * Running the real Alertmanager (from peers.sh) in interop tests, on 127.0.0.1.
 *
 * Debian's Alertmanager loads its notification templates from the absolute path
 * /usr/share/prometheus/alertmanager/, which peers.sh's unpacked copy does not provide
 * system-wide. When any of them is missing there, Alertmanager runs in a private mount
 * namespace (`unshare -m`, root only) with the unpacked package's /usr/share bound over
 * /usr/share, so nothing outside the test process sees a change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './peer-prometheus.js';

const SYSTEM_TEMPLATES = '/usr/share/prometheus/alertmanager';

/** A running Alertmanager. */
export interface RunningAlertmanager {
  readonly proc: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** `127.0.0.1:<port>`, as a static target. */
  readonly address: string;
  /** Kills the process. */
  kill(): void;
}

/** Starts Alertmanager with a receiver that sends nowhere; resolves once `/-/ready` answers. */
export async function startAlertmanager(binary: string, dir: string): Promise<RunningAlertmanager> {
  const port = await freePort();
  const cfg = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(cfg, "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
  const args = [
    `--config.file=${cfg}`,
    `--storage.path=${dir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ];
  // peers.sh unpacks into <root>/usr/bin; the package's share folder sits beside it.
  const share = path.resolve(path.dirname(binary), '..', 'share');
  // It loads every template of the package (default.tmpl, email.tmpl, ...): all must be there.
  const packaged = path.join(share, 'prometheus', 'alertmanager');
  const installed = fs.existsSync(packaged)
    ? fs.readdirSync(packaged).every((f) => fs.existsSync(path.join(SYSTEM_TEMPLATES, f)))
    : fs.existsSync(SYSTEM_TEMPLATES);
  const proc = installed
    ? spawn(binary, args, { stdio: 'ignore' })
    : spawn(
        'unshare',
        [
          '-m',
          '--propagation',
          'private',
          'sh',
          '-c',
          'mount --bind "$0" /usr/share && exec "$@"',
          share,
          binary,
          ...args,
        ],
        { stdio: 'ignore' },
      );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`alertmanager exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${base}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('alertmanager did not become ready in 20s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, base, address: `127.0.0.1:${port}`, kill: () => proc.kill('SIGKILL') };
}
