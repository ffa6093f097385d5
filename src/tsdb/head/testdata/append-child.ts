/**
 * A child process for the crash test (../crash.test.ts): opens the WAL in the directory given
 * as argv[2] (repairing it), replays it into a head, then appends one sample to each of
 * SERIES series per transaction, forever, printing `committed <t>` after each commit returns.
 * The parent kills it with SIGKILL at random moments.
 */
import { fileURLToPath } from 'node:url';
import { Labels } from '../../../model/labels.js';
import { WAL } from '../../wal/wal.js';
import { Head } from '../head.js';
import { replayWAL } from '../wal.js';

/** Series written per transaction. */
export const SERIES = 50;

async function main(): Promise<void> {
  const dir = process.argv[2]!;
  const wal = await WAL.open(dir, { segmentSize: 64 * 1024 });
  const head = new Head({ wal });
  replayWAL(head, dir);
  const labels = Array.from({ length: SERIES }, (_, i) =>
    Labels.fromStrings('__name__', 'crash', 'i', String(i)),
  );
  let t = head.maxTime() < 0 ? 0 : head.maxTime() + 1000;
  for (;;) {
    const app = head.appender();
    for (const ls of labels) app.append(0, ls, t, t / 1000);
    app.commit();
    process.stdout.write(`committed ${t}\n`);
    t += 1000;
    // Yield now and then so stdout drains and the kill can land anywhere.
    if (t % 20_000 === 0) await new Promise((r) => setImmediate(r));
  }
}

// Run only as a program: the crash test imports SERIES from this module.
if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
