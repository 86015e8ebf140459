/**
 * THE list of drivers (docs/ARCHITECTURE.md "Adding a transport"): each
 * pairs the specs of the transports it serves (config/transports/) with its
 * factory (driver.ts). The lookup by transport and the type of each driver's
 * own options are built from it; its type makes a transport of
 * config/transports/index.ts without a driver, or a driver of a transport
 * that list lacks, a compile error.
 */
import type { Transport } from '../config/transports/index.ts';
import { ablepickDriver } from './ablepick/driver.ts';
import type { BusDriver } from './driver.ts';
import { modbusDriver } from './modbus/driver.ts';
import { mqttDriver } from './mqtt/driver.ts';

export const DRIVERS = [modbusDriver, ablepickDriver, mqttDriver] as const;

type Driver = (typeof DRIVERS)[number];
type Served = Driver['transports'][number]['name'];
/** compile-time: every transport has a driver and every driver serves listed transports only */
const complete: [Transport] extends [Served]
  ? [Served] extends [Transport]
    ? true
    : never
  : never = true;
void complete;

/** Each driver's own options, under its family name: `createBus(cfg, ctx, { modbus: { pollAll } })`. */
export type BusOptions = {
  [D in Driver as D['family']]?: D extends BusDriver<infer _T, infer _F, infer O> ? O : never;
};

const BY_TRANSPORT = new Map<string, BusDriver>(
  DRIVERS.flatMap((d: BusDriver) => d.transports.map((t) => [t.name, d] as const)),
);

/** The driver of a transport name; undefined when none serves it. */
export function driverFor(transport: unknown): BusDriver | undefined {
  return typeof transport === 'string' ? BY_TRANSPORT.get(transport) : undefined;
}
