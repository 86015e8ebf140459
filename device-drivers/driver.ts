/**
 * What a driver is (docs/ARCHITECTURE.md "Adding a transport"): the specs of
 * the transports it serves (config/transports/spec.ts: bus fields,
 * addressing, address check, capabilities) paired with the factory that
 * builds a bus from one bus config. Every factory gets the same neutral
 * context; what only one transport needs (the Modbus test and bench hooks,
 * the MQTT broker connection) is that driver's own `options` type, handed
 * through `createBus` under the driver's `family` name. Drivers import this
 * file, never the registry, so the registry ↔ factory cycle cannot return.
 */
import type { Color } from '../config/colors.ts';
import type { Profile } from '../config/profile-schema.ts';
import type { BusConfigOf, TransportSpec } from '../config/transports/spec.ts';
import type { ModuleAddress } from '../kernel/module-ref.ts';
import type { DriverLogger } from './common/logger.ts';
import type { TechnicianBus } from './types.ts';

/** What every factory gets besides its bus config. */
export interface DriverContext {
  /** the module addresses the site wires on this bus (checked against the spec's `addressProblem`) */
  addresses: readonly ModuleAddress[];
  /** device profiles by name (config/profiles/) */
  profiles: ReadonlyMap<string, Profile>;
  logger?: DriverLogger;
  /** how long identify blinks, when not the driver's default */
  identifyMs?: number;
  /**
   * The colours the site will ask of a module (its zone's). A driver that
   * learns a module's capabilities only at run time checks them against
   * these when the module announces them (common/capabilities.ts).
   */
  colorsFor?: (address: ModuleAddress) => readonly Color[];
}

export interface BusDriver<
  T extends readonly TransportSpec[] = readonly TransportSpec[],
  F extends string = string,
  O = unknown,
> {
  /** the name its options go by in `createBus(cfg, ctx, { [family]: options })` */
  readonly family: F;
  readonly transports: T;
  create(cfg: BusConfigOf<T[number]>, ctx: DriverContext, options?: O): TechnicianBus;
}

/** A driver: the transports it serves and its factory (the options type is the factory's third parameter). */
export function defineDriver<const T extends readonly TransportSpec[], F extends string, O = never>(
  family: F,
  transports: T,
  create: (cfg: BusConfigOf<T[number]>, ctx: DriverContext, options?: O) => TechnicianBus,
): BusDriver<T, F, O> {
  return { family, transports, create };
}
