/**
 * Locations import/export (issue 11): every bad row reported with its line,
 * nothing applied unless all rows are good; a good file re-slots the running
 * floor (site and store); the export is the CSV the import takes back.
 * Issue 16 item 9: the import keeps the site file's rules (one schema), refuses
 * spreadsheet formulas, invalid UTF-8 and control bytes with their lines and
 * bodies over 2 MiB, and the export never emits a formula cell.
 */
import { writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { locationRoutes, MAX_LOCATIONS_CSV } from '../../api/routes/locations.ts';
import { checkConfig } from '../../config/load.ts';
import { importLocations, locationsCsv } from '../../controller/locations-import.ts';
import { isPicklineError } from '../../kernel/errors.ts';
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

const post = (csv: string | Buffer, role: Parameters<typeof auth>[0] = 'technician') =>
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

describe('the CSV import under hostile files: refused whole, nothing applied', () => {
  const HEAD = 'location,bus,address,checkDigits,zone,aisle,slot';
  const rejected = async (csv: string | Buffer) => {
    const before = locationsCsv(f.site);
    const r = await post(csv);
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json().error.code).toBe('LOCATIONS_REJECTED');
    expect(locationsCsv(f.site)).toBe(before); // nothing applied
    expect(storeRow('A-01-01')).toMatchObject({ check_digits: '51' });
    return (r.json().error.details as { path: string; message: string }[]).map(
      (d) => `${d.path}: ${d.message}`,
    );
  };

  it('refuses cells a spreadsheet takes for a formula, by the site file rules, each with its line', async () => {
    const details = await rejected(
      [
        HEAD,
        'A-01-01,bus-a,1,=1+2,A,,', // 2
        'A-01-02,bus-a,2,29,A,"=HYPERLINK(""http://evil.example"",""x"")",', // 3: 38 characters
        'A-01-03,bus-a,3,30,A,+01,', // 4
        'A-01-04,bus-a,4,31,A,01,-2', // 5
        'A-01-05,bus-a,5,32,A,@SUM(A1),', // 6
        '=A1,bus-a,6,33,A,,', // 7: the location id
        'A-01-06,bus-a,300,34,A,,', // 8: an address the site file refuses
        'A-01-07,bus-a,7,12345,A,01,02', // 9: five check digits
      ].join('\n'),
    );
    expect(details).toEqual([
      'line 2: checkDigits "=1+2" must be 1 to 4 digits',
      expect.stringMatching(/^line 3: aisle "=HYPERLINK.*" must NOT have more than 16 characters$/),
      expect.stringMatching(/^line 3: aisle .* must not start with =, \+, -, @, tab or CR/),
      expect.stringMatching(/^line 4: aisle "\+01" must not start with =/),
      expect.stringMatching(/^line 5: slot "-2" must not start with =/),
      expect.stringMatching(/^line 6: aisle "@SUM\(A1\)" must not start with =/),
      expect.stringMatching(/^line 7: location "=A1" must match pattern/),
      'line 8: address 300 must be <= 247',
      'line 9: checkDigits "12345" must be 1 to 4 digits',
    ]);
  });

  it('refuses tab, CR, NUL and other control bytes with line and column', async () => {
    const details = await rejected(
      [
        HEAD,
        'A-01-01,bus-a,1,51,A,"\t=1+2",', // 2: a cell starting with tab
        'A-01-02,bus-a,2,29,A,\r=1,', // 3: a lone CR
        'A-01-03,bus-a,3,77,A,0\u00001,', // 4: NUL
        'A-01-04,bus-a,4,31,A,\u001b[2J,', // 5: ESC
        'A-01-05,bus-a,5,32,A,\u0085,', // 6: C1 NEL
        'A-01-06,bus-a,6,33,A,01,02\r', // 7: CRLF line end: fine
      ].join('\n'),
    );
    expect(details).toEqual([
      'line 2: control character U+0009 in column 23',
      'line 3: control character U+000D in column 22',
      'line 4: control character U+0000 in column 23',
      'line 5: control character U+001B in column 22',
      'line 6: control character U+0085 in column 22',
    ]);
  });

  it('refuses bytes that are not UTF-8 (Latin-1 from a spreadsheet) instead of reading U+FFFD', async () => {
    const latin1 = Buffer.concat([
      Buffer.from(`${HEAD}\nA-01-01,bus-a,1,51,A,01,02\nA-01-02,bus-a,2,29,A,`),
      Buffer.from([0x41, 0xe9, 0x31]), // "Aé1" in Latin-1
      Buffer.from(',\nA-01-03,bus-a,3,77,A,\xC3\xA9,\n', 'latin1'), // "é" in UTF-8: fine
    ]);
    expect(await rejected(latin1)).toEqual(['line 3: not valid UTF-8 (save the file as UTF-8)']);
    expect([...f.site.locations.values()].some((l) => l.aisle?.includes('\uFFFD'))).toBe(false);
    // a client that decoded the file lossily before sending it (console, CLI)
    expect(await rejected(`${HEAD}\nA-01-02,bus-a,2,29,A,A\uFFFD1,\n`)).toEqual([
      'line 2: U+FFFD in column 23: not valid UTF-8 where the file was read (save it as UTF-8)',
    ]);
    const good = await post(Buffer.from(`${HEAD}\nA-01-03,bus-a,3,77,A,\u00e9,\n`));
    expect(good.statusCode, good.body).toBe(200);
    expect(f.site.locations.get('A-01-03')?.aisle).toBe('\u00e9');
  });

  it('takes 2 MiB and refuses one byte more with 413, changing nothing', async () => {
    const row = 'A-01-03,bus-a,3,77,A,01,02\n';
    const fill = (n: number) => `${HEAD}\n${'#'.repeat(n - HEAD.length - 2 - row.length)}\n${row}`;
    const at = fill(MAX_LOCATIONS_CSV);
    expect(Buffer.byteLength(at)).toBe(2 * 1024 * 1024);
    const ok = await post(at);
    expect(ok.statusCode, ok.body).toBe(200);
    const over = await post(fill(MAX_LOCATIONS_CSV + 1));
    expect(over.statusCode).toBe(413);
    expect(over.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('never exports a formula cell, even for a location that got past the rules', async () => {
    const loc = f.site.locations.get('A-01-01')!;
    f.site.setLocations([{ ...loc, aisle: '=HYPERLINK("x")', slot: '@A1\r\n', checkDigits: '-1' }]);
    const exported = await app.inject({
      method: 'GET',
      url: '/api/v1/technician/locations?format=csv',
      headers: auth('technician'),
    });
    const line = exported.body.split('\r\n').find((l) => l.startsWith('A-01-01,'));
    expect(line).toBe(`A-01-01,bus-a,1,'-1,A,"'=HYPERLINK(""x"")",'@A1`);
    for (const l of exported.body.split('\r\n'))
      for (const c of l.split(',')) expect(c).not.toMatch(/^"?[=+\-@\t\r]/);
  });

  it('is the rule set of the site file: locations[] and locationsCsv refuse the same cells', () => {
    const site = (locations: object[]) => ({
      site: 'X',
      api: { port: 0, tokens: { wms: ['wms-token-1234'] } },
      storage: { path: `${tmp.dir}/x.db` },
      zones: [{ id: 'V', mode: 'voice', locations }],
    });
    const problems = (raw: object) => {
      try {
        checkConfig(raw);
        return [];
      } catch (e) {
        expect(isPicklineError(e, 'CONFIG_INVALID')).toBe(true);
        return (e as { details: { path: string; message: string }[] }).details.map(
          (d) => `${d.path}: ${d.message}`,
        );
      }
    };
    expect(
      problems(site([{ id: 'V-1', checkDigits: '=1+2', aisle: '+01', slot: 'A\u0000' }])),
    ).toEqual([
      'zones[0].locations[0].checkDigits: must be 1 to 4 digits',
      'zones[0].locations[0].aisle: must not start with =, +, -, @, tab or CR, nor contain control characters',
      'zones[0].locations[0].slot: must not start with =, +, -, @, tab or CR, nor contain control characters',
    ]);
    expect(problems(site([{ id: 'V-1', checkDigits: '12', aisle: '01', slot: 'B-2' }]))).toEqual(
      [],
    );
    writeFileSync(
      `${tmp.dir}/v.csv`,
      'location,checkDigits,zone,aisle\nV-2,=1+2,V,01\nV-3,12,V,@A1\nV-4,13,V,02\n',
    );
    const raw = { ...site([]), zones: [{ id: 'V', mode: 'voice', locationsCsv: 'v.csv' }] };
    let e: unknown;
    try {
      checkConfig(raw, { file: `${tmp.dir}/site.yaml` });
    } catch (err) {
      e = err;
    }
    expect((e as { details: { message: string }[] }).details.map((d) => d.message)).toEqual([
      'v.csv:2: checkDigits "=1+2" must be 1 to 4 digits',
      'v.csv:3: aisle "@A1" must not start with =, +, -, @, tab or CR, nor contain control characters',
    ]);
  });
});
