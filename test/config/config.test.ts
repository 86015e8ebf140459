import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLocationsCsv } from '../../config/csv.ts';
import { checkConfig, loadConfig } from '../../config/load.ts';
import { DEFAULT_CONFIG } from '../../controller/paths.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { tempDir } from '../helpers/harness.ts';

const base = () => ({
  site: 'T',
  api: { port: 0, tokens: { wms: ['wms-token-1'] } },
  storage: { path: ':memory:' },
  buses: [
    {
      id: 'b1',
      transport: 'modbus-tcp',
      host: '127.0.0.1',
      port: 1502,
      profile: 'pickline-ptl-v1',
    },
  ],
  zones: [{ id: 'A', mode: 'pick', locations: [{ id: 'L1', bus: 'b1', address: 1 }] }],
});

function problems(raw: unknown, env = {}): string[] {
  try {
    checkConfig(raw, { env });
  } catch (e) {
    if (e instanceof PicklineError) return e.details.map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
  return [];
}

describe('site configuration', () => {
  it('loads the demo config: 4 zones, about 40 locations, CSV rows merged', () => {
    const { config } = loadConfig(DEFAULT_CONFIG, {});
    expect(config.zones.map((z) => z.id)).toEqual(['A', 'B', 'P', 'M', 'V']);
    const n = config.zones.reduce((s, z) => s + z.locations.length, 0);
    expect(n).toBeGreaterThanOrEqual(40);
    const b = config.zones.find((z) => z.id === 'B')!;
    expect(b.locations).toHaveLength(12);
    expect(b.locations[0]).toMatchObject({ id: 'B-02-01', bus: 'bus-b', address: 1 });
  });

  it('applies PICKLINE_API_PORT and PICKLINE_DB overrides, and reports a bad port', () => {
    const { config } = checkConfig(base(), {
      env: { PICKLINE_API_PORT: '9123', PICKLINE_DB: '/tmp/x.db' },
    });
    expect(config.api.port).toBe(9123);
    expect(config.storage.path).toBe('/tmp/x.db');
    expect(problems(base(), { PICKLINE_API_PORT: 'eighty' })).toEqual([
      'api.port: PICKLINE_API_PORT="eighty" is not a port number',
    ]);
  });

  it('fills defaults (api host)', () => {
    expect(checkConfig(base()).config.api.host).toBe('127.0.0.1');
  });

  it('reports unresolved references, each as path: message', () => {
    const c = base() as ReturnType<typeof base> & {
      zones: { locations: object[]; doneIndicator?: object }[];
    };
    c.zones[0].doneIndicator = { bus: 'b1', address: 1 };
    c.zones[0].locations.push(
      { id: 'L1', bus: 'b1', address: 2 },
      { id: 'L3', bus: 'nope', address: 3 },
      { id: 'L4' },
    );
    c.buses.push({ id: 'b1', transport: 'modbus-rtu', profile: 'ghost', simulate: true } as never);
    expect(problems(c)).toEqual([
      'buses[1].path: is required for transport modbus-rtu',
      'buses[1].simulate: is not allowed for transport modbus-rtu',
      'buses[1].id: duplicate bus id "b1"',
      'buses[1].profile: unknown profile "ghost" (have: generic-io-lamp-v1, pickline-ptl-v1)',
      'zones[0].locations[0].address: bus "b1" address 1 is already used by done indicator of zone A',
      'zones[0].locations[1].id: duplicate location id "L1" (also zones[0].locations[0])',
      'zones[0].locations[2].bus: unknown bus "nope"',
      'zones[0].locations[3]: a location of a pick zone needs bus and address',
    ]);
  });

  it('rejects a webhook configured twice and an unknown event type', () => {
    const c = {
      ...base(),
      webhooks: [
        { url: 'http://wms/e', secret: 's' },
        { url: 'http://wms/e', secret: 't', types: ['line.picked', 'line.lost'] },
      ],
    };
    const p = problems(c);
    expect(p).toContain('webhooks[1].url: the same url is configured twice');
    expect(p.some((x) => x.startsWith('webhooks[1].types[1]: must be one of'))).toBe(true);
  });

  it('checks scanners: unknown or voice zone, colour outside the zone, unknown picker, duplicates', () => {
    const c = {
      ...base(),
      operators: [{ id: 'op1', pin: '1234' }],
      zones: [
        ...base().zones,
        { id: 'V', mode: 'voice', locations: [{ id: 'V1', checkDigits: '12' }] },
        {
          id: 'C',
          mode: 'pick',
          colors: ['blue'],
          locations: [{ id: 'C1', bus: 'b1', address: 2 }],
        },
      ],
      scanners: [
        { id: 'S1', zone: 'A', picker: 'op1', color: 'yellow' },
        { id: 'S2', zone: 'NOPE', picker: 'op1' },
        { id: 'S3', zone: 'V', picker: 'op1' },
        { id: 'S4', zone: 'C', picker: 'op1', color: 'green' },
        { id: 'S5', zone: 'A', picker: 'ghost' },
        { id: 'S1', zone: 'A', picker: 'op1', color: 'red' },
      ],
    };
    expect(problems(c)).toEqual([
      'scanners[1].zone: unknown zone "NOPE"',
      'scanners[2].zone: zone "V" is a voice zone: it has no lights',
      "scanners[3].color: is not one of zone C's colours (blue)",
      'scanners[4].picker: "ghost" is not a configured operator',
      'scanners[5].id: duplicate scanner id "S1"',
      "scanners[5].color: is not one of zone A's colours (green, blue, yellow, cyan, magenta, white)",
    ]);
    c.scanners = [c.scanners[0]];
    expect(problems(c)).toEqual([]);
  });

  it('reports schema and reference problems together', () => {
    const c = base() as Record<string, unknown> & ReturnType<typeof base>;
    (c.api as Record<string, unknown>).port = 70000;
    c.zones[0].locations.push({ id: 'L1', bus: 'b1', address: 999 } as never);
    const p = problems(c);
    expect(p).toContain('api.port: must be <= 65535');
    expect(p).toContain('zones[0].locations[1].address: must be <= 247');
    expect(p).toContain(
      'zones[0].locations[1].id: duplicate location id "L1" (also zones[0].locations[0])',
    );
  });

  it('parses location CSV with quotes, CRLF, comments and other zones', () => {
    const { rows, errors } = parseLocationsCsv(
      'zone,location,bus,address,checkDigits\r\nA,"A-1",b1,1,42\r\n# comment\r\nB,B-1,b1,2,17\r\nA,A-2,b1,x,\r\n',
      'A',
    );
    expect(rows).toEqual([
      { id: 'A-1', bus: 'b1', address: 1, checkDigits: '42' },
      { id: 'A-2', bus: 'b1' },
    ]);
    expect(errors).toEqual(['5: address "x" is not an integer']);
  });
});

describe('pickline check-config', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/pickline.js', 'check-config', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('accepts the demo config with exit 0', () => {
    const r = run(DEFAULT_CONFIG);
    expect(r.stdout).toMatch(/OK/);
    expect(r.status).toBe(0);
  });

  it('lists every problem of a broken config and exits 1', () => {
    const t = tempDir();
    try {
      const file = `${t.dir}/broken.yaml`;
      writeFileSync(
        file,
        [
          'site: X',
          'api: {port: 99999, tokens: {wms: [short]}}',
          'storage: {}',
          'buses:',
          '  - {id: b1, transport: modbus-rtu, profile: nope}',
          '  - {id: b1, transport: carrier-pigeon}',
          'zones:',
          '  - id: A',
          '    mode: pick',
          '    locations:',
          '      - {id: L1, bus: b9, address: 1}',
          '      - {id: L1, bus: b1, address: 300}',
        ].join('\n'),
      );
      const r = run(file);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/broken\.yaml: 10 problems/);
      expect(lines.slice(1)).toEqual(
        expect.arrayContaining([
          'api.port: must be <= 65535',
          'api.tokens.wms[0]: must NOT have fewer than 8 characters',
          'storage.path: is required',
          'buses[1].transport: transport "carrier-pigeon" has no driver in this version (known: modbus-rtu, modbus-tcp, ablepick, mqtt)',
          'zones[0].locations[1].address: must be <= 247',
          'buses[0].path: is required for transport modbus-rtu',
          'buses[0].profile: unknown profile "nope" (have: generic-io-lamp-v1, pickline-ptl-v1)',
          'buses[1].id: duplicate bus id "b1"',
          'zones[0].locations[0].bus: unknown bus "b9"',
          'zones[0].locations[1].id: duplicate location id "L1" (also zones[0].locations[0])',
        ]),
      );
      expect(lines).toHaveLength(11);
      const unreadable = run(`${t.dir}/missing.yaml`);
      expect(unreadable.status).toBe(1);
      expect(unreadable.stderr).toMatch(/missing\.yaml/);
    } finally {
      t.remove();
    }
  });
});
