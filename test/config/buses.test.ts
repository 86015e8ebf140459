import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../config/load.ts';
import { BusConfig } from '../../config/schema.ts';
import { TRANSPORTS } from '../../config/transports/index.ts';
import { createBus } from '../../device-drivers/index.ts';
import { DRIVERS, driverFor } from '../../device-drivers/registry.ts';
import { PicklineError } from '../../kernel/errors.ts';

const site = (buses: object[]) => ({
  site: 'T',
  api: { port: 0, tokens: {} },
  storage: { path: ':memory:' },
  buses,
  zones: [{ id: 'V', mode: 'voice', locations: [{ id: 'V1', checkDigits: '11' }] }],
});

function problems(buses: object[]): string[] {
  try {
    checkConfig(site(buses));
  } catch (e) {
    if (e instanceof PicklineError) return e.details.map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
  return [];
}

const rtu = { id: 'r', transport: 'modbus-rtu', path: '/dev/ttyUSB0', profile: 'pickline-ptl-v1' };
const tcp = {
  id: 't',
  transport: 'modbus-tcp',
  host: '10.0.0.5',
  port: 502,
  profile: 'pickline-ptl-v1',
};

describe('bus configuration, checked per transport', () => {
  it('accepts a bus of each registered transport and fills its defaults', () => {
    const { config } = checkConfig(site([rtu, tcp]));
    expect(config.buses.map((b) => b.transport)).toEqual(['modbus-rtu', 'modbus-tcp']);
    expect(config.buses[0]).toMatchObject({ baudRate: 19200 });
  });

  it('names the fields of another transport as not allowed for this one', () => {
    expect(problems([{ ...rtu, host: '10.0.0.5', rtuOverTcp: true }])).toEqual([
      'buses[0].host: is not allowed for transport modbus-rtu',
      'buses[0].rtuOverTcp: is not allowed for transport modbus-rtu',
    ]);
    expect(problems([{ ...tcp, baudRate: 9600 }])).toEqual([
      'buses[0].baudRate: is not allowed for transport modbus-tcp',
    ]);
  });

  it('reports the missing fields of the transport, all at once', () => {
    const { path: _p, profile: _q, ...noPath } = rtu;
    const { host: _h, port: _o, ...noHost } = tcp;
    expect(problems([noPath, noHost])).toEqual([
      'buses[0].profile: is required for transport modbus-rtu',
      'buses[0].path: is required for transport modbus-rtu',
      'buses[1].host: is required for transport modbus-tcp',
      'buses[1].port: is required for transport modbus-tcp',
    ]);
  });

  it('checks field values inside the branch the transport picks', () => {
    expect(
      problems([
        { ...rtu, parity: 'mark' },
        { ...tcp, port: 0 },
      ]),
    ).toEqual([
      'buses[0].parity: must be one of "none", "even", "odd"',
      'buses[1].port: must be >= 1',
    ]);
  });

  it('rejects a transport without a driver, listing the known ones', () => {
    expect(problems([{ id: 'a', transport: 'aioi', host: 'h', port: 5003 }])).toEqual([
      'buses[0].transport: transport "aioi" has no driver in this version (known: modbus-rtu, modbus-tcp, ablepick, mqtt)',
    ]);
    expect(problems([{ id: 'x' }, { id: 'y', transport: 7 }])).toEqual([
      'buses[0].transport: is required (one of modbus-rtu, modbus-tcp, ablepick, mqtt)',
      'buses[1].transport: must be one of modbus-rtu, modbus-tcp, ablepick, mqtt',
    ]);
  });

  it('builds the bus schema from the transport list, and has a driver for each listed transport', () => {
    const branches = (
      BusConfig as unknown as { oneOf: { properties: { transport: { const: string } } }[] }
    ).oneOf;
    expect(branches).toEqual(TRANSPORTS.map((t) => t.schema));
    expect(branches.map((b) => b.properties.transport.const)).toEqual(
      TRANSPORTS.map((t) => t.name),
    );
    // each driver serves the very specs of the list (one schema object, not a copy)
    const served = DRIVERS.flatMap((d) => [...d.transports]);
    expect(served.map((t) => t.name).sort()).toEqual(TRANSPORTS.map((t) => t.name).sort());
    for (const t of TRANSPORTS) {
      expect(driverFor(t.name)?.transports).toContain(t);
      expect(branches).toContain(t.schema);
    }
    expect(driverFor('aioi')).toBeUndefined();
    expect(driverFor('toString')).toBeUndefined();
  });

  it('createBus refuses a transport with no driver, naming the known ones', () => {
    const cfg = { id: 'a', transport: 'aioi' } as unknown as BusConfig;
    expect(() => createBus(cfg, { profiles: new Map(), addresses: [] })).toThrow(
      /transport aioi has no driver \(known: modbus-rtu, modbus-tcp, ablepick, mqtt\)/,
    );
    const proto = { id: 'p', transport: 'toString' } as unknown as BusConfig;
    expect(() => createBus(proto, { profiles: new Map(), addresses: [] })).toThrow(/no driver/);
  });
});
