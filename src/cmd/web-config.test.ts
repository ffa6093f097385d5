import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { loadWebConfig } from '../config/web.js';
import { selfSignedCert } from '../util/testenv.js';
import { startServer, type RunningServer } from './ignis.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ignis-webcfg-'));
const started: RunningServer[] = [];
after(async () => {
  for (const s of started) {
    s.shutdown('test');
    await s.done;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function start(
  name: string,
  webConfig: string,
): Promise<{ base: string; file: string; stderr: () => string }> {
  const file = path.join(tmp, `${name}.yml`);
  fs.writeFileSync(file, webConfig);
  const err = new PassThrough();
  let text = '';
  err.on('data', (d: Buffer) => (text += d.toString()));
  const r = await startServer(
    [
      `--web.config.file=${file}`,
      `--storage.tsdb.path=${path.join(tmp, name)}`,
      '--web.listen-address=127.0.0.1:0',
    ],
    { stdout: new PassThrough().resume(), stderr: err },
  );
  assert.notEqual(typeof r, 'number', text);
  started.push(r as RunningServer);
  return { base: (r as RunningServer).addresses[0]!, file, stderr: () => text };
}

describe('web config file', () => {
  it('rejects invalid files with exporter-toolkit messages', () => {
    assert.throws(() => loadWebConfig('tls_server_config:\n  cert_file: a.crt\n'), /missing key_file or key/);
    assert.throws(
      () => loadWebConfig('basic_auth_users:\n  alice: plain\n'),
      /invalid bcrypt hash for user "alice"/,
    );
    assert.throws(
      () => loadWebConfig('http_server_config:\n  headers:\n    Server: x\n'),
      /HTTP header "Server" can not be configured/,
    );
    assert.throws(
      () => loadWebConfig('basic_auth_user: {}\n'),
      /field basic_auth_user not found in type web.Config/,
    );
    const ok = loadWebConfig('tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n', '/etc/ignis');
    assert.equal(ok.tlsServerConfig?.certFile, '/etc/ignis/a.crt');
  });

  it('requires basic auth on every endpoint and follows changes to the file', async () => {
    const hash = bcrypt.hashSync('s3cret', 4);
    const { base, file } = await start('auth', `basic_auth_users:\n  alice: ${hash}\n`);
    const url = `http://${base}/-/healthy`;
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic');
    assert.equal(await none.text(), 'Unauthorized\n');
    const auth = (u: string, p: string) => ({
      headers: { Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` },
    });
    assert.equal((await fetch(url, auth('alice', 'wrong'))).status, 401);
    assert.equal((await fetch(url, auth('alice', 's3cret'))).status, 200);
    assert.equal((await fetch(`http://${base}/api/v1/labels`, auth('alice', 's3cret'))).status, 200);
    // A new user appears without a restart (mtime changes; wait so the clock moves).
    await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(file, `basic_auth_users:\n  bob: ${bcrypt.hashSync('pw', 4)}\n`);
    assert.equal((await fetch(url, auth('bob', 'pw'))).status, 200);
    assert.equal((await fetch(url, auth('alice', 's3cret'))).status, 401);
  });

  it('serves HTTPS with the configured certificate', async (t) => {
    const cert = selfSignedCert(tmp, '127.0.0.1');
    if (cert === null) {
      t.skip('skipped: openssl not available to make a test certificate');
      return;
    }
    const { crt, key } = cert;
    const { base } = await start('tls', `tls_server_config:\n  cert_file: ${crt}\n  key_file: ${key}\n`);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          `https://${base}/-/healthy`,
          { ca: fs.readFileSync(crt), checkServerIdentity: () => undefined },
          (res) => {
            let b = '';
            res.on('data', (d: Buffer) => (b += d.toString()));
            res.on('end', () => resolve(b));
          },
        )
        .on('error', reject);
    });
    assert.equal(body, 'Prometheus Server is Healthy.\n');
  });

  it('refuses to start with an invalid web config', async () => {
    const file = path.join(tmp, 'bad.yml');
    fs.writeFileSync(file, 'tls_server_config:\n  key_file: x\n');
    const err = new PassThrough();
    let text = '';
    err.on('data', (d: Buffer) => (text += d.toString()));
    const r = await startServer(
      [`--web.config.file=${file}`, `--storage.tsdb.path=${path.join(tmp, 'bad')}`],
      {
        stdout: new PassThrough().resume(),
        stderr: err,
      },
    );
    assert.equal(r, 1);
    assert.match(text, /Error loading web config.*missing cert_file or cert/);
  });
});
