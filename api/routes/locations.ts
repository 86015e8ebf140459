/**
 * Locations for technicians (contract-extensions.md §1 "locations"): `GET /technician/locations`
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
  /** the body's bytes: config/csv.ts decodes them (invalid UTF-8 is refused, not replaced) */
  import: (csv: Uint8Array) => ImportResult;
}

/** Largest CSV taken: 2 MiB (a few thousand locations are well under it); larger is 413. */
export const MAX_LOCATIONS_CSV = 2 * 1024 * 1024;

export async function locationRoutes(app: FastifyInstance, d: LocationsDeps): Promise<void> {
  app.addContentTypeParser(
    ['text/csv', 'text/plain'],
    { parseAs: 'buffer', bodyLimit: MAX_LOCATIONS_CSV },
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

  app.post<{ Body: Buffer }>(
    '/technician/locations',
    {
      config: { roles: ['technician'] },
      schema: {
        tags,
        summary: 'Import locations from CSV: all rows or none',
        description:
          'Body: text/csv (UTF-8, at most 2 MiB; larger is 413 PAYLOAD_TOO_LARGE) with header `location,bus,address,checkDigits,zone` (any order; `aisle`,`slot` allowed). ' +
          'Each row replaces the location of that id or adds one, on a module the site file already wires. ' +
          'Rows follow the rules of the site file: ids, `checkDigits` 1-4 digits, `aisle` and `slot` 1-16 characters not starting with `=`, `+`, `-`, `@`, tab or CR (spreadsheet formulas). ' +
          'A line that is not UTF-8 or holds a control character (NUL, tab, a lone CR, ...) is refused. ' +
          '422 LOCATIONS_REJECTED lists every bad row as `line N`; nothing is applied then. ' +
          'An import lasts until restart: put the export in the site file to keep it.',
        response: { 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (req) => d.import(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)),
  );
}
