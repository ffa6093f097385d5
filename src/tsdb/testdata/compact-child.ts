/**
 * A child process for the compaction crash test (../crash.test.ts): opens the data directory
 * given as argv[2] and runs one round of maintenance (head compaction, block compaction,
 * retention with argv[4] ms, 0 disabling it), killing itself with SIGKILL at the argv[3]-th
 * maintenance step (a series written, a block renamed into place, a block renamed for deletion,
 * the head truncated). Prints `done` if the round finished first.
 */
import { DB } from '../db.js';
import { CRASH_OPTIONS } from './crash-data.js';

async function main(): Promise<void> {
  const dir = process.argv[2]!;
  const killAt = Number(process.argv[3]);
  const retentionDuration = Number(process.argv[4] ?? 0);
  let events = 0;
  const db = await DB.open(dir, {
    ...CRASH_OPTIONS,
    retentionDuration,
    testHook: () => {
      if (++events === killAt) process.kill(process.pid, 'SIGKILL');
    },
  });
  await db.compact();
  await db.close();
  process.stdout.write(`done ${events}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
