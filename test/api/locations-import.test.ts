/**
 * Locations import/export (issue 11): every bad row reported with its line,
 * nothing applied unless all rows are good; a good file re-slots the running
 * floor (site and store); the export is the CSV the import takes back.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { locationRoutes } from '../../api/routes/locations.ts';
import { importLocations, locationsCsv } from '../../controller/locations-import.ts';
import { type FakeFloor, fakeFloor } from '../helpers/floor.ts';
import { auth, TOKENS, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FakeFloor;
let app: FastifyInstance;

beforeEach(async () => {
  tmp = tempDir();
  f = await fakeFloor(`${tmp.dir}/p.db`);
  app = await build({
    waves: f.waves,
    outbox: f.outbox,
    tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    logger: false,
    plugins: [
      (a) =>
        locationRoutes(a, {
          list: () => [...f.site.locations.values()],
          csv: () => locationsCsv(f.site),
          import: (text) => importLocations(f.store, f.site, text),
        }),
    ],
  });
});
afterEach(async () => {
  await app.close();
  await f.stop();
  tmp.remove();
});

const post = (csv: string, role: Parameters<typeof auth>[0] = 'technician') =>
  app.inject({
    method: 'POST',
    url: '/api/v1/technician/locations',
    headers: { ...auth(role), 'content-type': 'text/csv' },
    payload: csv,
  });
const storeRow = (id: string) =>
  f.store.db.prepare('SELECT zone, bus, address, check_digits FROM locations WHERE id = ?').get(id);

describe('POST /api/v1/technician/locations', () => {
  it('reports every bad row with its line and applies nothing', async () => {
    const before = locationsCsv(f.site);
    const csv = [
      'location,bus,address,checkDigits,zone',
      'A-01-01,bus-a,1,99,A', // good on its own
      'A-01-02,bus-a,x,29,A', // 3: address not a number
      'A-NEW,bus-a,57,10,A', // 4: module not wired
      'A-01-01,bus-a,3,60,A', // 5: duplicate id
      'V-NEW,bus-a,4,,V', // 6: voice with a module
      'Q-1,bus-a,5,,Q', // 7: no zone Q
      'A-01-05,bus-a,100,16,A', // 8: the done indicator
    ].join('\n');
    const r = await post(csv);
    expect(r.statusCode).toBe(422);
    const e = r.json().error;
    expect(e.code).toBe('LOCATIONS_REJECTED');
    expect(e.details.map((d: { path: string }) => d.path)).toEqual([
      'line 3',
      'line 4',
      'line 5',
      'line 5',
      'line 6',
      'line 7',
      'line 8',
    ]);
    expect(e.details.find((d: { path: string }) => d.path === 'line 4').message).toMatch(
      /bus-a\/57 is not wired/,
    );
    expect(locationsCsv(f.site)).toBe(before);
    expect(storeRow('A-01-01')).toMatchObject({ check_digits: '51' });
  });

  it('refuses to take a module from a location the file does not move', async () => {
    const r = await post('location,bus,address,zone\nA-01-01,bus-a,2,A\n');
    expect(r.statusCode).toBe(422);
    expect(r.json().error.details).toEqual([
      {
        path: 'line 2',
        message: 'module bus-a/2 is location A-01-02, which this file does not move',
      },
    ]);
  });

  it('applies a good file to the running site and the store, all rows at once', async () => {
    const csv =
      'location,bus,address,checkDigits,zone,aisle\n' +
      'A-01-01,bus-a,2,51,A,01\n' + // the two swap modules
      'A-01-02,bus-a,1,29,A,01\n' +
      'A-01-03,bus-a,3,77,A,01\n' + // new check digits
      'V-03-07,,,88,V,03\n'; // a new voice location
    const r = await post(csv);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ imported: 4, added: 1, changed: 3, unchanged: 0 });
    expect(f.site.byModule.get('bus-a/1')?.id).toBe('A-01-02');
    expect(f.site.byModule.get('bus-a/2')?.id).toBe('A-01-01');
    expect(f.site.moduleName('bus-a', 1)).toBe('A-01-02');
    expect(storeRow('A-01-01')).toMatchObject({ bus: 'bus-a', address: 2 });
    expect(storeRow('A-01-03')).toMatchObject({ check_digits: '77' });
    expect(storeRow('V-03-07')).toMatchObject({ zone: 'V', bus: null });
    // the export takes the import back unchanged
    const exported = await app.inject({
      method: 'GET',
      url: '/api/v1/technician/locations?format=csv',
      headers: auth('technician'),
    });
    expect(exported.headers['content-type']).toMatch(/^text\/csv/);
    expect(exported.body.split('\r\n')).toContain('A-01-01,bus-a,2,51,A,01,');
    expect((await post(exported.body)).json()).toMatchObject({ changed: 0, added: 0 });
  });

  it('refuses to move a location with open lines', async () => {
    const wave = {
      waveId: 'LW-1',
      orders: [
        {
          orderId: 'LO-1',
          container: 'T-L1',
          lines: [{ lineId: 'LL-1', sku: 'X', location: 'A-01-04', quantity: 1 }],
        },
      ],
    };
    f.waves.submit(wave);
    const r = await post('location,bus,address,zone\nA-01-04,bus-a,4,B\n');
    expect(r.statusCode).toBe(422);
    expect(r.json().error.details[0].message).toMatch(/A-01-04 has open lines/);
  });

  it('is for technicians only', async () => {
    expect((await post('location\nA-01-01\n', 'operator')).statusCode).toBe(403);
  });
});
