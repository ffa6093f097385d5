import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DNSSDConfig } from '../config/index.js';
import { DNSDiscoverer, lookupTargets, type DNSResolver } from './dns.js';
import type { TargetGroup } from './target-group.js';
import { captureLogger, waitFor } from './testing.js';

function dnsError(code: string): Error {
  return Object.assign(new Error(`query ${code}`), { code });
}

/** A resolver answering from a table; a missing name is NXDOMAIN, an Error value fails. */
class FakeResolver implements DNSResolver {
  constructor(public records: Record<string, unknown>) {}
  private answer<T>(kind: string, name: string): Promise<T> {
    const v = this.records[`${kind} ${name}`];
    if (v === undefined) return Promise.reject(dnsError('ENOTFOUND'));
    if (v instanceof Error) return Promise.reject(v);
    return Promise.resolve(v as T);
  }
  resolveSrv(name: string) {
    return this.answer<{ name: string; port: number; priority: number; weight: number }[]>('SRV', name);
  }
  resolve4(name: string) {
    return this.answer<string[]>('A', name);
  }
  resolve6(name: string) {
    return this.answer<string[]>('AAAA', name);
  }
  resolveMx(name: string) {
    return this.answer<{ exchange: string; priority: number }[]>('MX', name);
  }
  resolveNs(name: string) {
    return this.answer<string[]>('NS', name);
  }
}

const EMPTY_META = {
  __meta_dns_srv_record_target: '',
  __meta_dns_srv_record_port: '',
  __meta_dns_mx_record_target: '',
  __meta_dns_ns_record_target: '',
};

describe('dns SD', () => {
  const r = new FakeResolver({
    'SRV _prom._tcp.example.org': [
      { name: 'a.example.org', port: 9100, priority: 0, weight: 0 },
      { name: 'b.example.org', port: 9200, priority: 0, weight: 0 },
    ],
    'A web.example.org': ['10.0.0.1', '10.0.0.2'],
    'AAAA web.example.org': ['2001:db8::1'],
    'MX example.org': [{ exchange: 'mail.example.org', priority: 10 }],
    'NS example.org': ['ns1.example.org'],
  });

  it('builds SRV targets with the record target (rooted) and port', async () => {
    assert.deepEqual(await lookupTargets(r, '_prom._tcp.example.org', 'SRV', 0), [
      {
        ...EMPTY_META,
        __address__: 'a.example.org:9100',
        __meta_dns_name: '_prom._tcp.example.org',
        __meta_dns_srv_record_target: 'a.example.org.',
        __meta_dns_srv_record_port: '9100',
      },
      {
        ...EMPTY_META,
        __address__: 'b.example.org:9200',
        __meta_dns_name: '_prom._tcp.example.org',
        __meta_dns_srv_record_target: 'b.example.org.',
        __meta_dns_srv_record_port: '9200',
      },
    ]);
  });

  it('builds A and AAAA targets on the configured port, IPv6 bracketed', async () => {
    assert.deepEqual(await lookupTargets(r, 'web.example.org', 'A', 80), [
      { ...EMPTY_META, __address__: '10.0.0.1:80', __meta_dns_name: 'web.example.org' },
      { ...EMPTY_META, __address__: '10.0.0.2:80', __meta_dns_name: 'web.example.org' },
    ]);
    assert.deepEqual(await lookupTargets(r, 'web.example.org', 'aaaa', 80), [
      { ...EMPTY_META, __address__: '[2001:db8::1]:80', __meta_dns_name: 'web.example.org' },
    ]);
  });

  it('builds MX and NS targets on the configured port', async () => {
    assert.deepEqual(await lookupTargets(r, 'example.org', 'MX', 25), [
      {
        ...EMPTY_META,
        __address__: 'mail.example.org:25',
        __meta_dns_name: 'example.org',
        __meta_dns_mx_record_target: 'mail.example.org.',
      },
    ]);
    assert.deepEqual(await lookupTargets(r, 'example.org', 'NS', 53), [
      {
        ...EMPTY_META,
        __address__: 'ns1.example.org:53',
        __meta_dns_name: 'example.org',
        __meta_dns_ns_record_target: 'ns1.example.org.',
      },
    ]);
  });

  it('gives no targets for a name that does not exist, and throws on a failed lookup', async () => {
    assert.deepEqual(await lookupTargets(r, 'nope.example.org', 'A', 80), []);
    const failing = new FakeResolver({ 'A x': dnsError('ESERVFAIL') });
    await assert.rejects(lookupTargets(failing, 'x', 'A', 80), { message: 'query ESERVFAIL' });
  });

  it('groups per name, refreshes, and keeps a failing name’s last good group', async () => {
    const fake = new FakeResolver({ 'A one': ['10.0.0.1'], 'A two': ['10.0.0.2'] });
    const cfg: DNSSDConfig = { names: ['one', 'two'], type: 'A', port: 9100, refreshInterval: 20 };
    const { logger, lines } = captureLogger();
    const d = new DNSDiscoverer(cfg, { resolver: fake, logger });
    const sends: TargetGroup[][] = [];
    d.start((g) => sends.push(g));
    const view = (): string =>
      (sends[sends.length - 1] ?? [])
        .map((g) => `${g.source}=${g.targets.map((t) => t.__address__).join('+')}`)
        .join(' ');
    try {
      await waitFor(() => sends.length > 0, 'first refresh');
      assert.equal(view(), 'one=10.0.0.1:9100 two=10.0.0.2:9100');
      assert.deepEqual(sends[0]![0]!.labels, {});
      fake.records = { 'A one': dnsError('ETIMEOUT'), 'A two': ['10.0.0.3', '10.0.0.4'] };
      await waitFor(() => view() === 'one=10.0.0.1:9100 two=10.0.0.3:9100+10.0.0.4:9100', 'partial update');
      assert.ok(
        lines.some((l) => l.includes('msg="Error refreshing DNS targets" name=one err="query ETIMEOUT"')),
      );
      fake.records = { 'A two': ['10.0.0.3'] };
      await waitFor(() => view() === 'one= two=10.0.0.3:9100', 'vanished name emptied');
    } finally {
      await d.stop();
    }
  });
});
