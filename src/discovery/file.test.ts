import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileDiscoverer } from './file.js';
import type { TargetGroup } from './target-group.js';
import { captureLogger, sleep, waitFor } from './testing.js';

const HOUR = 3_600_000;

describe('file SD', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'ignis-file-sd-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh directory per test, so watchers of one test never see another's files. */
  let n = 0;
  function dir(): string {
    const d = join(root, String(n++));
    mkdirSync(d);
    return d;
  }

  function run(
    files: string[],
    refreshInterval = HOUR,
  ): {
    d: FileDiscoverer;
    sends: TargetGroup[][];
    lines: string[];
  } {
    const { logger, lines } = captureLogger();
    const d = new FileDiscoverer({ files, refreshInterval }, { logger, watchDebounce: 10 });
    const sends: TargetGroup[][] = [];
    d.start((g) => sends.push(g));
    return { d, sends, lines };
  }

  const last = (sends: TargetGroup[][]): TargetGroup[] => sends[sends.length - 1] ?? [];
  const addrs = (sends: TargetGroup[][]): string[] =>
    last(sends).flatMap((g) => g.targets.map((t) => t.__address__!));

  it('reads JSON and YAML files matching a glob, with sources and __meta_filepath as Prometheus sets them', async () => {
    const d0 = dir();
    const a = join(d0, 'a.json');
    const b = join(d0, 'b.yml');
    writeFileSync(
      a,
      JSON.stringify([{ targets: ['h1:9100', 'h2:9100'], labels: { env: 'prod' } }, { targets: ['h3:1'] }]),
    );
    writeFileSync(b, '- targets: ["h4:80"]\n  labels:\n    __meta_filepath: overridden\n    team: x\n');
    writeFileSync(join(d0, 'c.txt'), 'not matched');
    const { d, sends } = run([join(d0, '*.json'), join(d0, '*.yml')]);
    try {
      await waitFor(() => sends.length > 0, 'first send');
      assert.deepEqual(last(sends), [
        {
          source: `${a}:0`,
          targets: [{ __address__: 'h1:9100' }, { __address__: 'h2:9100' }],
          labels: { env: 'prod', __meta_filepath: a },
        },
        { source: `${a}:1`, targets: [{ __address__: 'h3:1' }], labels: { __meta_filepath: a } },
        { source: `${b}:0`, targets: [{ __address__: 'h4:80' }], labels: { __meta_filepath: b, team: 'x' } },
      ]);
    } finally {
      await d.stop();
    }
  });

  it('picks up writes, renames into place and deletions through the watcher', async () => {
    const d0 = dir();
    const a = join(d0, 'a.json');
    writeFileSync(a, JSON.stringify([{ targets: ['h1:1'] }]));
    const { d, sends } = run([join(d0, '*.json')]);
    try {
      await waitFor(() => addrs(sends).join() === 'h1:1', 'initial read');
      writeFileSync(a, JSON.stringify([{ targets: ['h1:1', 'h2:2'] }]));
      await waitFor(() => addrs(sends).join() === 'h1:1,h2:2', 'write picked up');
      // The usual atomic update: write elsewhere, rename into a matching name.
      const tmp = join(d0, 'b.json.tmp');
      writeFileSync(tmp, JSON.stringify([{ targets: ['h3:3'] }]));
      renameSync(tmp, join(d0, 'b.json'));
      await waitFor(() => addrs(sends).join() === 'h1:1,h2:2,h3:3', 'rename picked up');
      unlinkSync(a);
      await waitFor(() => addrs(sends).join() === 'h3:3', 'deletion picked up');
      assert.equal(last(sends)[0]!.source, `${join(d0, 'b.json')}:0`);
    } finally {
      await d.stop();
    }
  });

  it('keeps the last good groups of a file that fails to parse, logging the file', async () => {
    const d0 = dir();
    const a = join(d0, 'a.yaml');
    const b = join(d0, 'b.yaml');
    writeFileSync(a, '- targets: [h1:1]\n');
    writeFileSync(b, '- targets: [h2:2]\n');
    const { d, sends, lines } = run([join(d0, '*.yaml')]);
    try {
      await waitFor(() => addrs(sends).join() === 'h1:1,h2:2', 'initial read');
      writeFileSync(a, '- targets: [h1:1\n');
      writeFileSync(b, '- targets: [h2:2, h5:5]\n');
      await waitFor(() => addrs(sends).join() === 'h1:1,h2:2,h5:5', 'good file updated');
      await d.settled();
      const err = lines.find((l) => l.includes('msg="Error reading file"'));
      assert.ok(err !== undefined, lines.join(''));
      assert.ok(err.includes(`path=${a}`) && err.includes('err="yaml: line'), err);
      // Fixing the file brings its new content.
      writeFileSync(a, '- targets: [h6:6]\n');
      await waitFor(() => addrs(sends).join() === 'h6:6,h2:2,h5:5', 'fixed file read');
    } finally {
      await d.stop();
    }
  });

  it('a file with bad content from the start contributes nothing', async () => {
    const d0 = dir();
    writeFileSync(join(d0, 'a.json'), '[{"targets": ["h1:1"], "labels": {"x": 1}}]');
    writeFileSync(join(d0, 'b.json'), '[{"targets": ["h2:2"]}]');
    const { d, sends, lines } = run([join(d0, '*.json')]);
    try {
      await waitFor(() => sends.length > 0, 'first send');
      assert.deepEqual(addrs(sends), ['h2:2']);
      assert.ok(lines.some((l) => l.includes('cannot unmarshal number')));
    } finally {
      await d.stop();
    }
  });

  it('re-reads every refresh_interval, even where the directory could not be watched', async () => {
    const d0 = join(root, 'later');
    const f = join(d0, 'a.json');
    const { d, sends, lines } = run([f], 40);
    try {
      await waitFor(() => sends.length > 0, 'first send');
      assert.deepEqual(last(sends), []);
      assert.ok(lines.some((l) => l.includes('msg="Error adding file watch"')));
      mkdirSync(d0);
      writeFileSync(f, '[{"targets": ["h1:1"]}]');
      await waitFor(() => addrs(sends).join() === 'h1:1', 'refresh after the interval');
    } finally {
      await d.stop();
    }
  });

  it('sends nothing after stop', async () => {
    const d0 = dir();
    const f = join(d0, 'a.json');
    writeFileSync(f, '[{"targets": ["h1:1"]}]');
    const { d, sends } = run([f], 20);
    await waitFor(() => sends.length > 0, 'first send');
    await d.stop();
    const count = sends.length;
    writeFileSync(f, '[{"targets": ["h2:2"]}]');
    await sleep(80);
    assert.equal(sends.length, count);
  });
});
