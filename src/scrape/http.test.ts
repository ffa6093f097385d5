import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { selfSignedCert } from '../util/testenv.js';
import { HttpScraper, MAX_REDIRECTS, ScrapeHttpError } from './http.js';

const servers: (http.Server | https.Server)[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-scrape-http-'));
after(() => {
  for (const s of servers) s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const BODY = 'up_fixture 1\n';

async function listen(srv: http.Server | https.Server): Promise<number> {
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const m = /^\/hop\/(\d+)$/.exec(req.url ?? '');
  if (m) {
    const n = Number(m[1]);
    res.writeHead(302, { Location: n > 0 ? `/hop/${n - 1}` : '/metrics' });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
  res.end(BODY);
}

const opts = {
  timeout: 2000,
  accept: 'text/plain',
  userAgent: 'ignis-test',
  enableCompression: false,
  bodySizeLimit: 0,
};

describe('HttpScraper transport options', () => {
  it('follows redirects (up to 10) unless follow_redirects is false', async () => {
    const port = await listen(http.createServer(handler));
    const base = `http://127.0.0.1:${port}`;
    const r = await new HttpScraper(`${base}/hop/3`, opts).scrape();
    assert.equal(r.body.toString(), BODY);
    await assert.rejects(
      new HttpScraper(`${base}/hop/3`, { ...opts, followRedirects: false }).scrape(),
      (e: unknown) => e instanceof ScrapeHttpError && e.message === 'server returned HTTP status 302 Found',
    );
    await assert.rejects(
      new HttpScraper(`${base}/hop/${MAX_REDIRECTS + 2}`, opts).scrape(),
      /stopped after 10 redirects/,
    );
  });

  it('goes through an HTTP proxy for http targets', async () => {
    const port = await listen(http.createServer(handler));
    const seen: string[] = [];
    const proxyPort = await listen(
      http.createServer((req, res) => {
        seen.push(req.url ?? '');
        http.get(req.url!, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
      }),
    );
    const url = `http://127.0.0.1:${port}/metrics`;
    const r = await new HttpScraper(url, { ...opts, proxyUrl: `http://127.0.0.1:${proxyPort}` }).scrape();
    assert.equal(r.body.toString(), BODY);
    assert.deepEqual(seen, [url]);
  });

  it('verifies https targets with the configured CA, or skips verification when asked', async (t) => {
    const cert = selfSignedCert(tmp, 'fixture.test');
    if (cert === null) {
      t.skip('skipped: openssl not available to make a test certificate');
      return;
    }
    const { crt, key } = cert;
    const port = await listen(
      https.createServer({ cert: fs.readFileSync(crt), key: fs.readFileSync(key) }, handler),
    );
    const url = `https://127.0.0.1:${port}/metrics`;
    // Without the CA the self-signed certificate is refused.
    await assert.rejects(new HttpScraper(url, opts).scrape(), /self-signed certificate/);
    const ca = fs.readFileSync(crt, 'utf8');
    const ok = await new HttpScraper(url, { ...opts, tls: { ca, serverName: 'fixture.test' } }).scrape();
    assert.equal(ok.body.toString(), BODY);
    // With the CA but the wrong name, verification fails on the name.
    await assert.rejects(
      new HttpScraper(url, { ...opts, tls: { ca } }).scrape(),
      /IP: 127.0.0.1 is not in the cert's list|does not match/,
    );
    const insecure = await new HttpScraper(url, { ...opts, tls: { insecureSkipVerify: true } }).scrape();
    assert.equal(insecure.body.toString(), BODY);

    // Through a CONNECT proxy: the tunnel carries TLS, verified as without the proxy.
    const tunnels: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, p] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(p), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    const proxyPort = await listen(proxy);
    const viaProxy = await new HttpScraper(url, {
      ...opts,
      proxyUrl: `http://127.0.0.1:${proxyPort}`,
      tls: { ca, serverName: 'fixture.test' },
    }).scrape();
    assert.equal(viaProxy.body.toString(), BODY);
    assert.deepEqual(tunnels, [`127.0.0.1:${port}`]);
    await assert.rejects(
      new HttpScraper(url, { ...opts, proxyUrl: `http://127.0.0.1:${proxyPort}` }).scrape(),
      /self-signed certificate/,
    );
  });
});
