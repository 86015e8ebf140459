/**
 * KPIs for the WMS/BI side and the dashboard (docs/kpis.md "KPIs"):
 * `GET /kpis?from&to` as JSON, `&format=csv` for a spreadsheet. The window is
 * [from, to), ISO-8601; default the last 24 hours.
 */
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type Kpis, type KpiWindow, kpisToCsv } from '../../controller/kpi/kpis.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { ErrorBody } from '../errors.ts';

/** The longest window one request may ask for (a year). */
export const MAX_WINDOW_DAYS = 366;

const Query = T.Object({
  from: T.Optional(
    T.String({
      format: 'date-time',
      description: 'Window start (inclusive), ISO-8601; default `to` minus 24 h',
    }),
  ),
  to: T.Optional(
    T.String({ format: 'date-time', description: 'Window end (exclusive), ISO-8601; default now' }),
  ),
  format: T.Optional(T.Union([T.Literal('json'), T.Literal('csv')], { default: 'json' })),
});
type Q = { from?: string; to?: string; format?: 'json' | 'csv' };

/** The window of a query in canonical UTC form; INVALID_REQUEST when it is empty or too long. */
export function windowOf(q: { from?: string; to?: string }, now = new Date()): KpiWindow {
  const to = q.to === undefined ? now.getTime() : Date.parse(q.to);
  const from = q.from === undefined ? to - 86_400_000 : Date.parse(q.from);
  if (!(from < to))
    throw new PicklineError('INVALID_REQUEST', 'from must be before to', [
      { path: 'querystring:/from', message: 'must be before to' },
    ]);
  if (to - from > MAX_WINDOW_DAYS * 86_400_000)
    throw new PicklineError(
      'INVALID_REQUEST',
      `the window is longer than ${MAX_WINDOW_DAYS} days`,
      [{ path: 'querystring:/from', message: `at most ${MAX_WINDOW_DAYS} days before to` }],
    );
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export async function kpiRoutes(
  app: FastifyInstance,
  opts: { kpis: (w: KpiWindow) => Kpis },
): Promise<void> {
  app.get<{ Querystring: Q }>(
    '/kpis',
    {
      config: { roles: ['wms', 'technician', 'viewer'] },
      schema: {
        tags: ['kpis'],
        summary:
          'Picks per hour, order cycle time, perfect order rate, accuracy, shorts, device errors',
        description:
          'Computed over the stored history for the window [from, to). Definitions: docs/kpis.md. ' +
          '`format=csv` answers text/csv with one figure a row (section,key,metric,value).',
        querystring: Query,
        response: { 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const k = opts.kpis(windowOf(req.query));
      if (req.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="kpis-${k.window.from.slice(0, 10)}.csv"`,
          )
          .send(kpisToCsv(k));
      }
      return k;
    },
  );
}
