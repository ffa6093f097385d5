import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ContentTypeError,
  DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS,
  DEFAULT_SCRAPE_PROTOCOLS,
  isScrapeProtocol,
  negotiate,
  parseAccept,
  parseContentType,
  parseMediaType,
  scrapeAcceptHeader,
} from './negotiate.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OM1 = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const OM0 = 'application/openmetrics-text; version=0.0.1; charset=utf-8';
const PROTO = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

describe('negotiate (expfmt.NegotiateIncludingOpenMetrics)', () => {
  const table: [string | undefined, string][] = [
    [undefined, `${TEXT}; escaping=underscores`],
    ['', `${TEXT}; escaping=underscores`],
    ['*/*', `${TEXT}; escaping=underscores`],
    ['text/plain', `${TEXT}; escaping=underscores`],
    ['text/plain;version=0.0.4', `${TEXT}; escaping=underscores`],
    ['text/plain;version=1.0.0', `${TEXT}; escaping=underscores`], // no match: falls back to text
    ['text/html', `${TEXT}; escaping=underscores`],
    ['application/openmetrics-text', `${OM0}; escaping=underscores`], // no version: 0.0.1
    ['application/openmetrics-text;version=0.0.1', `${OM0}; escaping=underscores`],
    ['application/openmetrics-text; version=1.0.0', `${OM1}; escaping=underscores`],
    ['application/openmetrics-text;version=2.0.0', `${TEXT}; escaping=underscores`],
    ['application/openmetrics-text;version=1.0.0;charset=latin1', `${OM1}; escaping=underscores`], // charset ignored
    // Prometheus 3's default scrape Accept header.
    [
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      `${OM1}; escaping=allow-utf-8`,
    ],
    // Prometheus 2's (no escaping): OpenMetrics 1.0.0 wins on q.
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      `${OM1}; escaping=underscores`,
    ],
    // q-values order the clauses, not their position.
    ['text/plain;q=0.5,application/openmetrics-text;version=1.0.0;q=0.9', `${OM1}; escaping=underscores`],
    ['application/openmetrics-text;version=1.0.0;q=0.1,text/plain;q=0.5', `${TEXT}; escaping=underscores`],
    // An escaping parameter on a clause tried before the match still counts.
    [
      'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.9,text/plain;version=0.0.4;q=0.8',
      `${TEXT}; escaping=allow-utf-8`,
    ],
    ['text/plain;escaping=values', `${TEXT}; escaping=values`],
    ['text/plain;escaping=dots', `${TEXT}; escaping=dots`],
    ['text/plain;escaping=bogus', `${TEXT}; escaping=underscores`], // unknown: ignored
    // Protobuf is matched but ignis has no protobuf writer yet: text is served instead.
    [PROTO, `${TEXT}; escaping=underscores`],
    [`${PROTO};q=0.7,application/openmetrics-text;version=1.0.0;q=0.6`, `${TEXT}; escaping=underscores`],
    [
      'application/vnd.google.protobuf;proto=other;encoding=delimited,application/openmetrics-text',
      `${OM0}; escaping=underscores`,
    ],
    // A malformed q-value is 0, after everything with a real one.
    ['application/openmetrics-text;version=1.0.0;q=abc,text/plain;q=0.1', `${TEXT}; escaping=underscores`],
    ['application/openmetrics-text;version=1.0.0;q= 0.9,text/plain;q=0.1', `${TEXT}; escaping=underscores`],
    // Go compares type names exactly.
    ['Application/OpenMetrics-Text;version=1.0.0', `${TEXT}; escaping=underscores`],
  ];
  for (const [accept, want] of table) {
    it(`${accept === undefined ? '(no header)' : JSON.stringify(accept)} → ${want}`, () => {
      assert.equal(negotiate(accept).contentType, want);
    });
  }

  it('returns the format, version and escaping alongside the content type', () => {
    assert.deepEqual(negotiate('application/openmetrics-text;version=1.0.0;escaping=allow-utf-8'), {
      format: 'openmetrics',
      version: '1.0.0',
      escaping: 'allow-utf-8',
      contentType: `${OM1}; escaping=allow-utf-8`,
    });
    assert.deepEqual(negotiate(undefined), {
      format: 'text',
      version: '0.0.4',
      escaping: 'underscores',
      contentType: `${TEXT}; escaping=underscores`,
    });
  });

  it('never offers OpenMetrics when it is switched off', () => {
    assert.equal(
      negotiate('application/openmetrics-text;version=1.0.0', { openMetrics: false }).format,
      'text',
    );
  });

  // What Prometheus 3.5.3's /metrics and /federate answered to these headers (recorded
  // against the real server); they negotiate without OpenMetrics.
  const prometheus35: [string, string][] = [
    [scrapeAcceptHeader(), `${TEXT}; escaping=allow-utf-8`],
    [scrapeAcceptHeader(DEFAULT_SCRAPE_PROTOCOLS, 'underscores'), `${TEXT}; escaping=underscores`],
    ['application/openmetrics-text; version=1.0.0', `${TEXT}; escaping=underscores`],
    ['application/openmetrics-text;version=0.0.1;escaping=allow-utf-8', `${TEXT}; escaping=allow-utf-8`],
    [
      'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.9,text/plain;version=0.0.4;q=0.8',
      `${TEXT}; escaping=allow-utf-8`,
    ],
    ['text/plain;escaping=bogus', `${TEXT}; escaping=underscores`],
    ['Application/OpenMetrics-Text;version=1.0.0', `${TEXT}; escaping=underscores`],
  ];
  for (const [accept, want] of prometheus35) {
    it(`answers ${JSON.stringify(accept)} as Prometheus 3.5's /federate does`, () => {
      assert.equal(negotiate(accept, { openMetrics: false }).contentType, want);
    });
  }

  it('uses the configured default escaping when the request names none', () => {
    assert.equal(negotiate('*/*', { defaultEscaping: 'allow-utf-8' }).escaping, 'allow-utf-8');
  });
});

describe('parseAccept (goautoneg)', () => {
  it('sorts by q, then concrete types before wildcards', () => {
    const got = parseAccept('*/*;q=0.5, text/*;q=0.5, text/plain;q=0.5, application/json');
    assert.deepEqual(
      got.map((c) => `${c.type}/${c.subType};${c.q}`),
      ['application/json;1', 'text/plain;0.5', 'text/*;0.5', '*/*;0.5'],
    );
  });
  it('skips malformed clauses and parameters', () => {
    const got = parseAccept('text, a/b/c, *, text/plain;k=;x=1=2;y=2=;z = 3;version=0.0.4');
    assert.deepEqual(got, [
      { type: 'text', subType: 'plain', q: 1, params: { y: '2', z: '3', version: '0.0.4' } },
      { type: '*', subType: '*', q: 1, params: {} },
    ]);
  });
  it('rounds q-values to float32 as Go parses them', () => {
    assert.equal(parseAccept('a/b;q=0.1')[0]!.q, Math.fround(0.1));
  });
});

describe('scrapeAcceptHeader (Prometheus acceptHeader)', () => {
  it('builds Prometheus 3 default header', () => {
    assert.equal(
      scrapeAcceptHeader(),
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,' +
        'application/openmetrics-text;version=0.0.1;q=0.5,' +
        'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,' +
        'text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
  });
  it('puts protobuf first for the proto-first default', () => {
    assert.equal(
      scrapeAcceptHeader(DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS, 'underscores'),
      `${PROTO};q=0.6,` +
        'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,' +
        'application/openmetrics-text;version=0.0.1;q=0.4,' +
        'text/plain;version=1.0.0;escaping=underscores;q=0.3,' +
        'text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
    );
  });
  it('keeps the weights of a short list', () => {
    assert.equal(scrapeAcceptHeader(['PrometheusText0.0.4']), 'text/plain;version=0.0.4;q=0.6,*/*;q=0.5');
  });
  it('is answered by negotiate with the first protocol', () => {
    assert.equal(negotiate(scrapeAcceptHeader(DEFAULT_SCRAPE_PROTOCOLS)).version, '1.0.0');
    assert.equal(
      negotiate(scrapeAcceptHeader(['OpenMetricsText0.0.1', 'PrometheusText0.0.4'])).version,
      '0.0.1',
    );
    assert.equal(
      negotiate(scrapeAcceptHeader(['PrometheusText0.0.4', 'OpenMetricsText1.0.0'])).format,
      'text',
    );
  });
  it('knows the protocol names', () => {
    assert.ok(isScrapeProtocol('OpenMetricsText1.0.0'));
    assert.ok(!isScrapeProtocol('OpenMetricsText2.0.0'));
    assert.ok(!isScrapeProtocol('toString'));
  });
});

describe('parseMediaType (mime.ParseMediaType)', () => {
  const table: [string, string][] = [
    ['text/plain', 'text/plain'],
    ['Text/Plain; Version=0.0.4', 'text/plain'],
    ['text/plain ;charset="utf-8"', 'text/plain'],
    ['text/plain; charset=utf-8;', 'text/plain'],
    ['text', 'text'],
    ['', 'error: mime: no media type'],
    ['/plain', 'error: mime: no media type'],
    ['text plain', 'error: mime: expected slash after first token'],
    ['text/', 'error: mime: expected token after slash'],
    ['text/plain/x', 'error: mime: unexpected content after media subtype'],
    ['text/plain; charset', 'error: mime: invalid media parameter'],
    ['text/plain; charset=', 'error: mime: invalid media parameter'],
    ['text/plain; a=1; A=2', 'error: mime: duplicate parameter name'],
    ['text/plain; a="unterminated', 'error: mime: invalid media parameter'],
  ];
  for (const [v, want] of table) {
    it(`${JSON.stringify(v)} → ${want}`, () => {
      const r = parseMediaType(v);
      assert.equal('error' in r ? `error: ${r.error}` : r.mediaType, want);
    });
  }
});

describe('parseContentType (textparse.New)', () => {
  it('picks the parser by media type, whatever the parameters', () => {
    assert.deepEqual(parseContentType('text/plain; version=0.0.4; charset=utf-8'), {
      parser: 'prometheus-text',
      mediaType: 'text/plain',
    });
    assert.equal(parseContentType('text/plain;version=1.0.0;escaping=allow-utf-8').parser, 'prometheus-text');
    assert.equal(parseContentType(OM1).parser, 'openmetrics');
    assert.equal(parseContentType(PROTO).parser, 'protobuf');
  });

  it('fails on a missing, malformed or unknown Content-Type without a fallback', () => {
    const cases: [string | undefined, string][] = [
      [
        undefined,
        'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
      ],
      [
        '',
        'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
      ],
      [
        'text/plain/x',
        'cannot parse Content-Type "text/plain/x" and no fallback_scrape_protocol for target\nmime: unexpected content after media subtype',
      ],
      [
        'application/json',
        'received unsupported Content-Type "application/json" and no fallback_scrape_protocol specified for target',
      ],
    ];
    for (const [ct, msg] of cases) {
      assert.throws(
        () => parseContentType(ct),
        (e: unknown) => e instanceof ContentTypeError && e.message === msg && e.contentType === (ct ?? ''),
      );
    }
  });

  it('uses the fallback protocol with a warning', () => {
    assert.deepEqual(parseContentType(undefined, 'PrometheusText0.0.4'), {
      parser: 'prometheus-text',
      mediaType: 'text/plain',
      warning:
        'non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "text/plain"',
    });
    assert.deepEqual(parseContentType('application/json', 'OpenMetricsText1.0.0'), {
      parser: 'openmetrics',
      mediaType: 'application/openmetrics-text',
      warning:
        'received unsupported Content-Type "application/json", using fallback_scrape_protocol "application/openmetrics-text"',
    });
    assert.deepEqual(parseContentType('a b', 'PrometheusText1.0.0'), {
      parser: 'prometheus-text',
      mediaType: 'text/plain',
      warning:
        'could not parse received Content-Type "a b", using fallback_scrape_protocol "text/plain"\nmime: expected slash after first token',
    });
  });

  it('does not use the fallback for a supported Content-Type', () => {
    assert.deepEqual(parseContentType('application/openmetrics-text', 'PrometheusText0.0.4'), {
      parser: 'openmetrics',
      mediaType: 'application/openmetrics-text',
    });
  });
});
