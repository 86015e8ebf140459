/**
 * The two Modbus transports (HARDWARE.md; driver in device-drivers/modbus/):
 * bus fields, unit addressing 1..247, and the modules' capabilities from the
 * bus's device profile. Defaults of the optional fields are the driver's
 * MODBUS_DEFAULTS.
 */
import { Type as T } from '@sinclair/typebox';
import type { ModuleAddress } from '../../kernel/module-ref.ts';
import { type Profile, profileCapabilities } from '../profile-schema.ts';
import { type BusConfigOf, defineTransport } from './spec.ts';

const profile = T.String({ minLength: 1, description: 'Device profile name (config/profiles)' });

/** Scheduling, both Modbus transports (HARDWARE.md: timeouts and retries per transaction, bounded). */
const scheduling = {
  timeoutMs: T.Optional(
    T.Integer({ minimum: 5, maximum: 10000, description: 'Per-transaction timeout' }),
  ),
  retries: T.Optional(T.Integer({ minimum: 0, maximum: 5 })),
  pollIntervalMs: T.Optional(
    T.Integer({
      minimum: 0,
      maximum: 10000,
      description:
        'Key poll period of one lit module, ms (default: 0 = back to back on RTU, where wire time bounds it; 40 on TCP)',
    }),
  ),
  healthIntervalMs: T.Optional(
    T.Integer({ minimum: 100, maximum: 600000, description: 'Sweep period of idle modules' }),
  ),
  offlineAfter: T.Optional(
    T.Integer({ minimum: 1, maximum: 100, description: 'Failed transactions before offline' }),
  ),
};

/** Modbus addresses modules by unit id 1..247 (HARDWARE.md); module id strings are for MQTT buses. */
export function modbusUnitProblem(bus: string, address: ModuleAddress): string | null {
  return Number.isInteger(address) && (address as number) >= 1 && (address as number) <= 247
    ? null
    : `address ${address} is not a Modbus unit 1..247 on bus ${bus}`;
}

/** Every module of a Modbus bus is its profile's device. */
function capabilities(bus: { profile: string }, profiles: ReadonlyMap<string, Profile>) {
  const p = profiles.get(bus.profile);
  return p ? profileCapabilities(p) : null;
}

export const modbusRtu = defineTransport({
  name: 'modbus-rtu',
  fields: {
    profile,
    path: T.String({ minLength: 1, description: 'Serial device, e.g. /dev/ttyUSB0' }),
    baudRate: T.Optional(T.Integer({ minimum: 300, maximum: 921600, default: 19200 })),
    parity: T.Optional(T.Union([T.Literal('none'), T.Literal('even'), T.Literal('odd')])),
    dataBits: T.Optional(T.Union([T.Literal(7), T.Literal(8)])),
    stopBits: T.Optional(T.Union([T.Literal(1), T.Literal(2)])),
    ...scheduling,
  },
  addressing: 'unit',
  addressProblem: modbusUnitProblem,
  capabilities,
});

export const modbusTcp = defineTransport({
  name: 'modbus-tcp',
  fields: {
    profile,
    host: T.String({ minLength: 1 }),
    port: T.Integer({ minimum: 1, maximum: 65535 }),
    rtuOverTcp: T.Optional(T.Boolean({ description: 'RTU framing over a TCP gateway' })),
    ...scheduling,
    simulate: T.Optional(
      T.Boolean({ description: 'Start an in-process simulator for this bus (demo / tests)' }),
    ),
  },
  addressing: 'unit',
  addressProblem: modbusUnitProblem,
  capabilities,
  endpoint: (b) => (b.simulate ? null : { host: b.host, port: b.port }),
});

export type ModbusRtuBusConfig = BusConfigOf<typeof modbusRtu>;
export type ModbusTcpBusConfig = BusConfigOf<typeof modbusTcp>;
