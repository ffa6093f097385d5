/**
 * API v1 endpoints that read storage directly: series, labels, label values, exemplars,
 * format_query, TSDB status, and /api/v1/notifications (answered with no data: ignis keeps no
 * notifications yet).
 * Query evaluation (`query`, `query_range`) is registered separately, with the engine.
 */
import { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { isValidLabelName } from '../../model/names.js';
import { compareStrings } from '../../model/strings.js';
import {
  ALL_FEATURES,
  ParseError,
  formatFloatF,
  parseExpr,
  parseMetricSelector,
  prettify,
} from '../../promql/parser/index.js';
import type { Queryable, SeriesSet } from '../../storage/interface.js';
import { MergeSeriesSet } from '../../storage/merge.js';
import type { Head } from '../../tsdb/head/head.js';
import type { Req, Res, WebServer } from '../server.js';
import { registerParseQuery } from './parse-query.js';
import { MAX_TIME_MS, MIN_TIME_MS, parseTime } from './params.js';
import { APIError, success } from './response.js';

/** What the storage endpoints read. */
export interface V1Deps {
  /** Everything queries see (head and blocks). */
  storage: Queryable;
  /** The head, for metadata, exemplars and TSDB status. */
  head: () => Head | null;
}

const ok = (data: unknown, warnings: string[] = []): Res => ({ body: success(data, warnings) });

/** Reads `start`/`end` with Prometheus's defaults (the whole time range). */
function timeRange(form: URLSearchParams): { start: number; end: number } {
  const s = form.get('start');
  const e = form.get('end');
  const start = s ? timeParam('start', s) : MIN_TIME_MS;
  const end = e ? timeParam('end', e) : MAX_TIME_MS;
  if (end < start) throw new APIError('bad_data', 'end timestamp must not be before start time');
  return { start, end };
}

/** Parses a named time parameter, wrapping the error as Prometheus words it. */
export function timeParam(name: string, value: string): number {
  try {
    return parseTime(value);
  } catch (e) {
    throw new APIError(
      'bad_data',
      `invalid parameter "${name}": invalid time value for '${name}': ${(e as Error).message}`,
    );
  }
}

/** Reads `limit` (0 or absent: none). */
function limitParam(form: URLSearchParams): number {
  const l = form.get('limit');
  if (l === null || l === '') return 0;
  const n = Number(l);
  if (!Number.isInteger(n) || n < 0) throw new APIError('bad_data', `cannot parse "${l}": invalid syntax`);
  return n;
}

/** Parses every `match[]` selector; a parse error is `bad_data` with the parser's message. */
function matcherSets(form: URLSearchParams): Matcher[][] {
  return form.getAll('match[]').map((m) => {
    try {
      return parseMetricSelector(m);
    } catch (e) {
      if (e instanceof ParseError) throw new APIError('bad_data', e.message);
      throw e;
    }
  });
}

/** Decodes Prometheus 3's `U__` escaping of UTF-8 label names in URL paths. */
export function unescapeLabelName(s: string): string {
  if (!s.startsWith('U__')) return s;
  let out = '';
  const body = s.slice(3);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '_') {
      out += c;
      continue;
    }
    if (body[i + 1] === '_') {
      out += '_';
      i++;
      continue;
    }
    const end = body.indexOf('_', i + 1);
    const hex = end > i ? body.slice(i + 1, end) : '';
    if (!/^[0-9a-fA-F]+$/.test(hex)) return s;
    out += String.fromCodePoint(parseInt(hex, 16));
    i = end;
  }
  return out;
}

const LIMIT_WARNING = 'results truncated due to limit';

/** Registers the storage-backed v1 endpoints. */
export function registerV1(web: WebServer, deps: V1Deps): void {
  const both = ['GET', 'POST'] as const;

  web.handle(both, '/api/v1/series', (req: Req) => {
    const sets = matcherSets(req.form);
    if (sets.length === 0) throw new APIError('bad_data', 'no match[] parameter provided');
    const { start, end } = timeRange(req.form);
    const limit = limitParam(req.form);
    const q = deps.storage.querier(start, end);
    try {
      const hints = { start, end, func: 'series' };
      const selected: SeriesSet[] = sets.map((ms) => q.select(sets.length > 1, hints, ...ms));
      const set = selected.length === 1 ? selected[0]! : new MergeSeriesSet(selected);
      const out: Record<string, string>[] = [];
      const warnings: string[] = [...set.warnings()];
      while (set.next()) {
        if (limit > 0 && out.length >= limit) {
          warnings.push(LIMIT_WARNING);
          break;
        }
        out.push(set.at().labels.toObject());
      }
      const err = set.err();
      if (err) throw new APIError('execution', err.message);
      return ok(out, warnings);
    } finally {
      q.close();
    }
  });

  const namesOrValues = (req: Req, name: string | null): Res => {
    const sets = matcherSets(req.form);
    const { start, end } = timeRange(req.form);
    const limit = limitParam(req.form);
    const q = deps.storage.querier(start, end);
    try {
      const lists = (sets.length === 0 ? [[]] : sets).map((ms) =>
        name === null ? q.labelNames(undefined, ...ms) : q.labelValues(name, undefined, ...ms),
      );
      let all = lists.length === 1 ? lists[0]! : [...new Set(lists.flat())].sort(compareStrings);
      const warnings: string[] = [];
      if (limit > 0 && all.length > limit) {
        all = all.slice(0, limit);
        warnings.push(LIMIT_WARNING);
      }
      return ok(all, warnings);
    } finally {
      q.close();
    }
  };
  web.handle(both, '/api/v1/labels', (req) => namesOrValues(req, null));
  web.handle('GET', '/api/v1/label/:name/values', (req) => {
    const name = unescapeLabelName(req.params.name!);
    if (!isValidLabelName(name)) throw new APIError('bad_data', `invalid label name: "${req.params.name}"`);
    return namesOrValues(req, name);
  });

  registerParseQuery(web);

  web.handle(both, '/api/v1/format_query', (req) => {
    const query = req.form.get('query') ?? '';
    try {
      return ok(prettify(parseExpr(query, ALL_FEATURES)));
    } catch (e) {
      if (e instanceof ParseError) throw new APIError('bad_data', e.message);
      throw e;
    }
  });

  web.handle(both, '/api/v1/query_exemplars', (req) => {
    const query = req.form.get('query') ?? '';
    const { start, end } = timeRange(req.form);
    let selectors: Matcher[][];
    try {
      selectors = selectorsOf(parseExpr(query, ALL_FEATURES));
    } catch (e) {
      if (e instanceof ParseError) throw new APIError('bad_data', e.message);
      throw e;
    }
    const head = deps.head();
    if (!head) return ok([]);
    const res = head.exemplars.select(start, end, (ls) =>
      selectors.some((ms) => ms.every((m) => m.matches(ls.get(m.name)))),
    );
    res.sort((a, b) => Labels.compare(a.seriesLabels, b.seriesLabels));
    return ok(
      res.map((r) => ({
        seriesLabels: r.seriesLabels.toObject(),
        exemplars: r.exemplars.map((e) => ({
          labels: e.labels.toObject(),
          value: formatValue(e.value),
          timestamp: e.ts / 1000,
        })),
      })),
    );
  });

  web.handle('GET', '/api/v1/status/tsdb', (req) => {
    const head = deps.head();
    const limit = req.form.get('limit') ? limitParam(req.form) : 10;
    if (limit < 1) throw new APIError('bad_data', 'limit must be a positive number');
    const byName = new Map<string, number>();
    const valuesByLabel = new Map<string, Set<string>>();
    const bytesByLabel = new Map<string, number>();
    const pairs = new Map<string, number>();
    let n = 0;
    if (head) {
      for (const s of head.allSeries()) {
        n++;
        s.labels.forEach((k, v) => {
          if (k === '__name__') byName.set(v, (byName.get(v) ?? 0) + 1);
          let vs = valuesByLabel.get(k);
          if (!vs) valuesByLabel.set(k, (vs = new Set()));
          if (!vs.has(v)) {
            vs.add(v);
            bytesByLabel.set(k, (bytesByLabel.get(k) ?? 0) + Buffer.byteLength(v));
          }
          const p = `${k}=${v}`;
          pairs.set(p, (pairs.get(p) ?? 0) + 1);
        });
      }
    }
    const top = (m: Map<string, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]))
        .slice(0, limit)
        .map(([name, value]) => ({ name, value }));
    const minT = head?.minTime() ?? 0;
    const maxT = head?.maxTime() ?? 0;
    const chunks = head
      ? [...head.allSeries()].reduce((a, s) => a + s.chunks.length + (s.head ? 1 : 0), 0)
      : 0;
    return ok({
      headStats: {
        numSeries: n,
        numLabelPairs: pairs.size,
        chunkCount: chunks,
        minTime: minT === Number.MIN_SAFE_INTEGER ? 0 : minT,
        maxTime: maxT === Number.MIN_SAFE_INTEGER ? 0 : maxT,
      },
      seriesCountByMetricName: top(byName),
      labelValueCountByLabelName: top(new Map([...valuesByLabel].map(([k, v]) => [k, v.size]))),
      memoryInBytesByLabelName: top(bytesByLabel),
      seriesCountByLabelValuePair: top(pairs),
    });
  });

  // Subsystems that come with later issues answer with Prometheus's shapes and no data.
  web.handle('GET', '/api/v1/notifications', () => ok([]));
}

/** Every vector selector's matchers in an expression (for exemplar queries). */
function selectorsOf(e: unknown): Matcher[][] {
  const out: Matcher[][] = [];
  const walk = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    const node = n as { kind?: string; matchers?: Matcher[] };
    if (node.kind === 'VectorSelector' && node.matchers) out.push(node.matchers);
    for (const v of Object.values(n)) if (typeof v === 'object') walk(v);
  };
  walk(e);
  return out;
}

/** Formats a sample value as the API does (Go's strconv 'f', -1: no exponent; `+Inf`, `NaN`). */
export const formatValue = formatFloatF;
