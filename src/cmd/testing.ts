/** Test support for the end-to-end server tests: a fixture exporter and an ignis server. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { startServer, type RunningServer } from './ignis.js';

/** A local HTTP server answering every request with `body` in the text format. */
export async function startFixtureExporter(body: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * Starts the ignis server in this process on 127.0.0.1 with a config file and data
 * directory; discovery hands targets over after 100 ms instead of Prometheus's 5s.
 */
export async function startTestServer(
  configFile: string,
  dataDir: string,
): Promise<{ server: RunningServer; base: string }> {
  const out = new PassThrough().resume();
  const r = await startServer(
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      '--web.listen-address=127.0.0.1:0',
      '--scrape.discovery-reload-interval=100ms',
    ],
    { stdout: out, stderr: out },
  );
  assert.notEqual(typeof r, 'number', 'the server did not start');
  const server = r as RunningServer;
  return { server, base: `http://${server.addresses[0]}` };
}

/** The value of the first sample an instant query returns, 0 when it returns nothing. */
export async function queryNumber(base: string, query: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}
