/**
 * THE list of transports the site config accepts (docs/ARCHITECTURE.md
 * "Adding a transport"): one spec each (spec.ts). The bus schema of the site
 * file, the address rules and the capability checks are built from it; a
 * driver for each is registered in device-drivers/registry.ts, whose type
 * makes a transport without a driver (or a driver without a transport) a
 * compile error. Anything else in `transport` is a config error naming the
 * known ones, in this order.
 */
import type { Static } from '@sinclair/typebox';
import type { ModuleAddress } from '../../kernel/module-ref.ts';
import { ablepick } from './ablepick.ts';
import { busUnion } from './bus.ts';
import { modbusRtu, modbusTcp } from './modbus.ts';
import { mqtt } from './mqtt.ts';
import type { TransportSpec } from './spec.ts';

export const TRANSPORTS = [modbusRtu, modbusTcp, ablepick, mqtt] as const;

type Schemas<T extends readonly TransportSpec[]> = {
  [I in keyof T]: T[I] extends { schema: infer S } ? S : never;
};

/** A bus of any listed transport: Ajv picks the branch by `transport` (bus.ts). */
export const BusConfig = busUnion(
  TRANSPORTS.map((t) => t.schema) as unknown as Schemas<typeof TRANSPORTS>,
);

export type BusConfig = Static<typeof BusConfig>;
export type Transport = BusConfig['transport'];
export type { TransportSpec } from './spec.ts';

const BY_NAME = new Map<string, TransportSpec>(TRANSPORTS.map((t) => [t.name, t]));

/** The spec of a transport name; undefined for a name no driver has (or not a string). */
export function transportSpec(name: unknown): TransportSpec | undefined {
  return typeof name === 'string' ? BY_NAME.get(name) : undefined;
}

/** Why `address` cannot name a module on bus `bus` (of `transport`), or null when it can. */
export function addressProblem(
  transport: Transport,
  bus: string,
  address: ModuleAddress,
): string | null {
  return transportSpec(transport)?.addressProblem(bus, address) ?? null;
}
