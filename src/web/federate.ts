/**
 * `/federate`: the latest sample of every series the `match[]` selectors pick, within the
 * lookback delta, in the exposition format (text; Prometheus 3.5 never answers OpenMetrics
 * here), with the external labels added where a series lacks them, as Prometheus does.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { isStaleNaN } from '../model/value.js';
import type { FamilySample, MetricFamily } from '../exposition/family.js';
import { negotiate } from '../exposition/negotiate.js';
import { encodeText } from '../exposition/write-text.js';
import { parseMetricSelector, ParseError } from '../promql/parser/index.js';
import { ValueType, type Queryable, type SeriesSet } from '../storage/interface.js';
import { MergeSeriesSet } from '../storage/merge.js';
import type { WebServer } from './server.js';

/** What /federate reads. */
export interface FederateDeps {
  storage: Queryable;
  /** `--query.lookback-delta` in ms. */
  lookbackDelta: number;
  /** `global.external_labels`. */
  externalLabels: () => Labels;
  now?: () => number;
}

/** Registers /federate. */
export function registerFederate(web: WebServer, deps: FederateDeps): void {
  const now = deps.now ?? Date.now;
  web.handle(['GET', 'POST'], '/federate', (req) => {
    const neg = negotiate(req.headers.accept, { openMetrics: false });
    let sets: Matcher[][];
    try {
      sets = req.form.getAll('match[]').map((m) => parseMetricSelector(m));
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      return {
        status: 400,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: `${e.message}\n`,
      };
    }
    const t = now();
    const mint = t - deps.lookbackDelta;
    const families = new Map<string, FamilySample[]>();
    if (sets.length > 0) {
      const q = deps.storage.querier(mint, t);
      try {
        const selected: SeriesSet[] = sets.map((ms) =>
          q.select(true, { start: mint, end: t, func: 'series' }, ...ms),
        );
        const set = selected.length === 1 ? selected[0]! : new MergeSeriesSet(selected);
        const external = externalWithInstance(deps.externalLabels());
        while (set.next()) {
          const s = set.at();
          const it = s.iterator();
          let found = false;
          let lt = 0;
          let lv = 0;
          // The newest sample within (t - lookback, t]: the querier already clipped the range.
          for (let vt = it.seek(mint + 1); vt !== ValueType.None; vt = it.next()) {
            found = true;
            lt = it.t;
            lv = it.v;
          }
          if (!found || isStaleNaN(lv)) continue;
          // Prometheus appends the external labels a series lacks (an empty `instance`
          // among them, so the federating server does not add its own) after the series'
          // own labels, in name order.
          const extra: string[] = [];
          for (const [n, v] of external) if (!s.labels.has(n)) extra.push(n, v);
          const name = s.labels.get('__name__');
          let list = families.get(name);
          if (!list) families.set(name, (list = []));
          list.push({
            name,
            labels: s.labels.without('__name__'),
            extraLabels: extra,
            value: lv,
            timestamp: lt,
          });
        }
      } finally {
        q.close();
      }
    }
    const fams: MetricFamily[] = [...families.keys()]
      .sort()
      .map((name) => ({ name, type: 'unknown', samples: families.get(name)! }));
    return {
      headers: { 'Content-Type': neg.contentType },
      body: encodeText(fams, { escaping: neg.escaping }),
    };
  });
}

/** The external labels plus `instance=""` unless set, sorted by name, as federation adds them. */
function externalWithInstance(ext: Labels): [string, string][] {
  const out: [string, string][] = [];
  ext.forEach((n, v) => out.push([n, v]));
  if (!ext.has('instance')) out.push(['instance', '']);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
