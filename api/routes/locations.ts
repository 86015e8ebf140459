/**
 * Locations for technicians (issue 11): `GET /technician/locations`
 * (`format=csv` for a spreadsheet) and `POST /technician/locations` with a
 * CSV body (text/csv): every bad row is reported with its line, nothing is
 * applied unless all rows are good (controller/locations-import.ts).
 */
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ImportResult } from '../../controller/locations-import.ts';
import type { Location } from '../../controller/site.ts';
import { ErrorBody } from '../errors.ts';

export interface LocationsDeps {
  list: () => Location[];
  csv: () => string;
  import: (text: string) => ImportResult;
}

/** Largest CSV taken (a few thousand locations are well under it). */
export const MAX_LOCATIONS_CSV = 2 * 1024 * 1024;

export async function locationRoutes(app: FastifyInstance, d: LocationsDeps): Promise<void> {
  app.addContentTypeParser(
    ['text/csv', 'text/plain'],
    { parseAs: 'string', bodyLimit: MAX_LOCATIONS_CSV },
    (_req, body, done) => done(null, body),
  );
  const tags = ['technician'];
  app.get<{ Querystring: { format?: 'json' | 'csv' } }>(
    '/technician/locations',
    {
      config: { roles: ['technician'] },
      schema: {
        tags,
        summary: 'Every location of the running site (format=csv: the columns the import takes)',
        querystring: T.Object({
          format: T.Optional(T.Union([T.Literal('json'), T.Literal('csv')], { default: 'json' })),
        }),
      },
    },
    async (req, reply) =>
      req.query.format === 'csv'
        ? reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="locations.csv"')
            .send(d.csv())
        : { locations: d.list() },
  );

  app.post<{ Body: string }>(
    '/technician/locations',
    {
      config: { roles: ['technician'] },
      schema: {
        tags,
        summary: 'Import locations from CSV: all rows or none',
        description:
          'Body: text/csv with header `location,bus,address,checkDigits,zone` (any order; `aisle`,`slot` allowed). ' +
          'Each row replaces the location of that id or adds one, on a module the site file already wires. ' +
          '422 LOCATIONS_REJECTED lists every bad row as `line N`; nothing is applied then. ' +
          'An import lasts until restart: put the export in the site file to keep it.',
        response: { 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (req) => d.import(typeof req.body === 'string' ? req.body : ''),
  );
}
