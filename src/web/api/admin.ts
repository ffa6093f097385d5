/**
 * The admin API, behind `--web.enable-admin-api` as in Prometheus: TSDB snapshots, series
 * deletion (tombstones) and tombstone cleaning.
 */
import type { Matcher } from '../../model/matcher.js';
import { ParseError, parseMetricSelector } from '../../promql/parser/index.js';
import type { DB } from '../../tsdb/db.js';
import type { Req, Res, WebServer } from '../server.js';
import { MAX_TIME_MS, MIN_TIME_MS } from './params.js';
import { APIError, success } from './response.js';
import { timeParam } from './v1.js';

/** Registers the admin endpoints; when disabled they answer as Prometheus does (unavailable). */
export function registerAdminAPI(web: WebServer, db: () => DB | null, enabled: boolean): void {
  const guard =
    (fn: (req: Req, d: DB) => Promise<Res>) =>
    async (req: Req): Promise<Res> => {
      // Prometheus answers this one with 500, not the 503 its other "unavailable" errors get.
      if (!enabled) throw new APIError('unavailable', 'admin APIs disabled', 500);
      const d = db();
      if (!d) throw new APIError('unavailable', 'TSDB not ready');
      return fn(req, d);
    };

  web.handle(
    ['POST', 'PUT'],
    '/api/v1/admin/tsdb/snapshot',
    guard(async (req, d) => {
      const skipHead = req.form.get('skip_head') === 'true';
      try {
        const name = await d.createSnapshot(!skipHead);
        return { body: success({ name }) };
      } catch (e) {
        throw new APIError('internal', `create snapshot: ${(e as Error).message}`);
      }
    }),
  );

  web.handle(
    ['POST', 'PUT'],
    '/api/v1/admin/tsdb/delete_series',
    guard(async (req, d) => {
      const selectors = req.form.getAll('match[]');
      if (selectors.length === 0) throw new APIError('bad_data', 'no match[] parameter provided');
      const s = req.form.get('start');
      const e = req.form.get('end');
      const start = s ? timeParam('start', s) : MIN_TIME_MS;
      const end = e ? timeParam('end', e) : MAX_TIME_MS;
      let sets: Matcher[][];
      try {
        sets = selectors.map((m) => parseMetricSelector(m));
      } catch (err) {
        if (err instanceof ParseError) throw new APIError('bad_data', err.message);
        throw err;
      }
      for (const ms of sets) await d.delete(start, end, ...ms);
      // Prometheus answers 204 No Content.
      return { status: 204, body: '' };
    }),
  );

  web.handle(
    ['POST', 'PUT'],
    '/api/v1/admin/tsdb/clean_tombstones',
    guard(async (_req, d) => {
      await d.cleanTombstones();
      return { status: 204, body: '' };
    }),
  );
}
