import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { defaultHTTPClientConfig, type HTTPSDConfig } from '../config/index.js';
import { fetchHTTPGroups, HTTPDiscoverer } from './http.js';
import type { TargetGroup } from './target-group.js';
import { captureLogger, waitFor } from './testing.js';

/** What the fixture server answers next. */
interface Reply {
  status: number;
  contentType?: string;
  body: string;
}

describe('http SD', () => {
  let server: http.Server;
  let base: string;
  let reply: Reply = { status: 200, contentType: 'application/json', body: '[]' };
  const requests: http.IncomingHttpHeaders[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.headers);
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/sd' });
        res.end();
        return;
      }
      const headers: Record<string, string> = {};
      if (reply.contentType !== undefined) headers['content-type'] = reply.contentType;
      res.writeHead(reply.status, headers);
      res.end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function config(url: string, refreshInterval = 60_000): HTTPSDConfig {
    return { ...defaultHTTPClientConfig(), url, refreshInterval };
  }

  it('decodes groups with sources <url>:<i> and __meta_url, sending Prometheus headers', async () => {
    reply = {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify([
        { targets: ['a:1', 'b:2'], labels: { env: 'x', __meta_url: 'ignored' } },
        { targets: ['c:3'] },
      ]),
    };
    requests.length = 0;
    const url = `${base}/sd`;
    const groups = await fetchHTTPGroups(config(url, 30_000), 'ignis/test');
    assert.deepEqual(groups, [
      {
        source: `${url}:0`,
        targets: [{ __address__: 'a:1' }, { __address__: 'b:2' }],
        labels: { env: 'x', __meta_url: url },
      },
      { source: `${url}:1`, targets: [{ __address__: 'c:3' }], labels: { __meta_url: url } },
    ]);
    assert.equal(requests[0]!['accept'], 'application/json');
    assert.equal(requests[0]!['user-agent'], 'ignis/test');
    assert.equal(requests[0]!['x-prometheus-refresh-interval-seconds'], '30');
  });

  it('applies basic auth and follows redirects', async () => {
    reply = { status: 200, contentType: 'application/json', body: '[{"targets":["a:1"]}]' };
    requests.length = 0;
    const c = config(`${base}/redirect`);
    c.basicAuth = {
      username: 'u',
      usernameFile: '',
      usernameRef: '',
      password: 'p',
      passwordFile: '',
      passwordRef: '',
    };
    const groups = await fetchHTTPGroups(c, 'ignis/test');
    assert.equal(groups.length, 1);
    assert.equal(requests.length, 2);
    assert.equal(requests[1]!['authorization'], 'Basic ' + Buffer.from('u:p').toString('base64'));
  });

  const failures: [string, Reply, string][] = [
    [
      'a non-200 status',
      { status: 500, contentType: 'application/json', body: '[]' },
      'server returned HTTP status 500 Internal Server Error',
    ],
    [
      'a wrong content type',
      { status: 200, contentType: 'text/plain', body: '[]' },
      'unsupported content type "text/plain"',
    ],
    ['no content type', { status: 200, body: '[]' }, 'unsupported content type ""'],
    [
      'a null group',
      { status: 200, contentType: 'application/json', body: '[null]' },
      'nil target group item found',
    ],
  ];
  for (const [what, r, msg] of failures)
    it(`fails on ${what}`, async () => {
      reply = r;
      await assert.rejects(fetchHTTPGroups(config(`${base}/sd`), 'ignis/test'), { message: msg });
    });

  it('reports a refused connection as Go does', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const url = `http://127.0.0.1:${port}/sd`;
    await assert.rejects(fetchHTTPGroups(config(url), 'x'), {
      message: `Get ${JSON.stringify(url)}: dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('refreshes every interval and keeps the last good targets when a refresh fails', async () => {
    reply = {
      status: 200,
      contentType: 'application/json',
      body: '[{"targets":["a:1"]},{"targets":["b:2"]}]',
    };
    const { logger, lines } = captureLogger();
    const d = new HTTPDiscoverer(config(`${base}/sd`, 30), { logger });
    const sends: TargetGroup[][] = [];
    d.start((g) => sends.push(g));
    try {
      await waitFor(() => sends.length > 0, 'first refresh');
      assert.deepEqual(
        sends[0]!.map((g) => g.targets),
        [[{ __address__: 'a:1' }], [{ __address__: 'b:2' }]],
      );
      reply = { status: 503, contentType: 'text/plain', body: 'down' };
      await waitFor(() => lines.some((l) => l.includes('503 Service Unavailable')), 'failure logged');
      const count = sends.length;
      const line = lines.find((l) => l.includes('503'))!;
      assert.match(
        line,
        /level=ERROR msg="Unable to refresh target groups" mechanism=http err="server returned HTTP status 503 Service Unavailable"/,
      );
      reply = { status: 200, contentType: 'application/json', body: '[{"targets":["c:3"]}]' };
      await waitFor(() => sends.length > count, 'recovery');
      assert.deepEqual(sends[sends.length - 1], [
        { source: `${base}/sd:0`, targets: [{ __address__: 'c:3' }], labels: { __meta_url: `${base}/sd` } },
      ]);
      // Between the failure and the recovery nothing was sent: the old targets stayed.
      assert.ok(sends.slice(0, count).every((s) => s.length === 2));
    } finally {
      await d.stop();
    }
  });
});
