/** Test support for the web layer: one fixed data set and a JSON fetch helper. */
import { Labels } from '../model/labels.js';
import type { Head } from '../tsdb/head/head.js';

/** Loads a small fixed data set: a few metrics, a UTF-8 label, metadata and an exemplar. */
export function loadFixture(head: Head, now: number): void {
  const series = [
    Labels.fromStrings('__name__', 'up', 'job', 'api', 'instance', 'a:9090'),
    Labels.fromStrings('__name__', 'up', 'job', 'api', 'instance', 'b:9090'),
    Labels.fromStrings('__name__', 'up', 'job', 'db', 'instance', 'c:9090'),
    Labels.fromStrings(
      '__name__',
      'http_requests_total',
      'job',
      'api',
      'code',
      '200',
      'service.name',
      'checkout',
    ),
    Labels.fromStrings(
      '__name__',
      'http_requests_total',
      'job',
      'api',
      'code',
      '500',
      'service.name',
      'checkout',
    ),
  ];
  for (let k = 0; k < 20; k++) {
    const app = head.appender();
    series.forEach((ls, i) => app.append(0, ls, now - (20 - k) * 15_000, k * (i + 1)));
    if (k === 0) app.updateMetadata(0, series[3]!, { type: 'counter', help: 'Requests.', unit: '' });
    if (k === 5) {
      app.appendExemplar(0, series[3]!, {
        labels: Labels.fromStrings('trace_id', 'abc'),
        value: 1,
        ts: now - 15 * 15_000,
        hasTs: true,
      });
    }
    app.commit();
  }
}

/** GETs `q` (with `{`, `}` and `"` escaped) and returns the status and parsed JSON body. */
export async function getJSON(base: string, q: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(
    base + q.replaceAll('+', '%2B').replaceAll('{', '%7B').replaceAll('}', '%7D').replaceAll('"', '%22'),
  );
  return { status: res.status, body: await res.json() };
}
