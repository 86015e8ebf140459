/**
 * Modules are named by bus + address (kernel/module-ref.ts): a unit number
 * on Modbus buses, a module id on MQTT buses; the transport decides.
 */
import { describe, expect, it } from 'vitest';
import { parseLocationsCsv } from '../../config/csv.ts';
import { checkConfig } from '../../config/load.ts';
import { compareAddress, moduleKey, parseAddress } from '../../kernel/module-ref.ts';

const site = (address: unknown) => ({
  site: 'T',
  api: { port: 0, tokens: { wms: ['wms-token-1'] } },
  storage: { path: ':memory:' },
  buses: [
    {
      id: 'bus-a',
      transport: 'modbus-tcp',
      host: '127.0.0.1',
      port: 1502,
      profile: 'pickline-ptl-v1',
    },
  ],
  zones: [{ id: 'A', mode: 'pick', locations: [{ id: 'L1', bus: 'bus-a', address }] }],
});

function problems(raw: unknown): string[] {
  try {
    checkConfig(raw);
    return [];
  } catch (e) {
    return ((e as { details?: { path: string; message: string }[] }).details ?? []).map(
      (d) => `${d.path}: ${d.message}`,
    );
  }
}

describe('module references', () => {
  it('one key for unit numbers and module ids', () => {
    expect(moduleKey({ bus: 'bus-a', address: 7 })).toBe('bus-a/7');
    expect(moduleKey({ bus: 'mqtt-1', address: 'ptl-0001' })).toBe('mqtt-1/ptl-0001');
  });

  it('reads text back as the right type', () => {
    expect(parseAddress('7')).toBe(7);
    expect(parseAddress('ptl-0001')).toBe('ptl-0001');
    expect(parseAddress('7a/')).toBeNull();
    expect(parseAddress('-1')).toBeNull();
  });

  it('sorts numbers first, then ids', () => {
    expect(['b', 10, 'a', 2].sort(compareAddress)).toEqual([2, 10, 'a', 'b']);
  });
});

describe('site config addresses', () => {
  it('a Modbus bus takes a unit number', () => {
    expect(problems(site(7))).toEqual([]);
  });

  it('a module id on a Modbus bus is a precise error', () => {
    expect(problems(site('ptl-0001'))).toContain(
      'zones[0].locations[0].address: address ptl-0001 is not a Modbus unit 1..247 on bus bus-a',
    );
  });

  it('an address that is neither a unit nor a module id fails the schema', () => {
    expect(problems(site('7/x'))).toEqual([
      'zones[0].locations[0].address: must match pattern "^[A-Za-z][A-Za-z0-9._:-]*$"',
    ]);
    expect(problems(site(0))).toEqual(['zones[0].locations[0].address: must be >= 1']);
  });

  it('CSV takes module ids on id-addressed buses only', () => {
    const csv = 'location,bus,address\nL1,mqtt-1,ptl-0001\nL2,bus-a,ptl-0002\nL3,bus-a,3\n';
    const { rows, errors } = parseLocationsCsv(csv, undefined, new Set(['mqtt-1']));
    expect(rows).toEqual([
      { id: 'L1', bus: 'mqtt-1', address: 'ptl-0001' },
      { id: 'L2', bus: 'bus-a' },
      { id: 'L3', bus: 'bus-a', address: 3 },
    ]);
    expect(errors).toEqual(['3: address "ptl-0002" is not an integer']);
  });
});

describe('ABLEPick bus addresses', () => {
  const ablepick = (address: unknown) => {
    const raw = site(address);
    raw.buses = [{ id: 'bus-a', transport: 'ablepick', host: '127.0.0.1' } as never];
    return raw;
  };

  it('takes tag numbers 1..200 and names the range otherwise', () => {
    expect(problems(ablepick(200))).toEqual([]);
    expect(problems(ablepick(201))).toEqual([
      'zones[0].locations[0].address: address 201 is not an ABLEPick tag 1..200 on bus bus-a',
    ]);
    expect(problems(ablepick('ptl-0001'))).toEqual([
      'zones[0].locations[0].address: address ptl-0001 is not an ABLEPick tag 1..200 on bus bus-a',
    ]);
  });

  it('checks the ABLEPick fields', () => {
    const raw = ablepick(1);
    raw.buses = [{ id: 'bus-a', transport: 'ablepick', host: 'h', fieldPort: 3 } as never];
    expect(problems(raw)).toEqual([expect.stringMatching(/^buses\[0\]\.fieldPort: /)]);
  });
});
