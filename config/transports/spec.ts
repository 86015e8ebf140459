/**
 * What one transport tells the site config (docs/ARCHITECTURE.md "Adding a
 * transport"): the bus fields it takes, how it addresses modules, which
 * addresses it accepts, what its modules can show when the config already
 * says so, and where it reaches its hardware. Each transport file here
 * exports one spec made with `defineTransport`; `index.ts` lists them, and
 * the schema, the address checks and the capability checks of the whole
 * site are built from that list. The driver that builds the bus pairs the
 * spec with its factory (device-drivers/driver.ts).
 */
import type { Static, TProperties, TSchema } from '@sinclair/typebox';
import type { ModuleAddress } from '../../kernel/module-ref.ts';
import type { ModuleCapabilities } from '../colors.ts';
import type { Profile } from '../profile-schema.ts';
import { busSchema } from './bus.ts';

export interface TransportSpec<K extends string = string, S extends TSchema = TSchema> {
  /** the `transport` value of its buses */
  readonly name: K;
  /** its bus fields, `id` and `transport` included (config/transports/bus.ts) */
  readonly schema: S;
  /** modules are named by `unit` numbers or by module `id` strings (CONTRACTS.md §5) */
  readonly addressing: 'unit' | 'id';
  /** Why `address` cannot name a module on bus `bus`, or null when it can. */
  addressProblem(bus: string, address: ModuleAddress): string | null;
  /**
   * What the modules of `bus` can show, when the config tells (a profile, a
   * fixed device); null when only the modules themselves can say, at run
   * time (MQTT status). Config load refuses a zone colour a known module
   * cannot show and filters the default palette by it (config/palette.ts).
   */
  capabilities(bus: Static<S>, profiles: ReadonlyMap<string, Profile>): ModuleCapabilities | null;
  /** The TCP endpoint the bus dials, for `pickline doctor`; null when none (serial, a broker). */
  endpoint?(bus: Static<S>): { host: string; port: number } | null;
}

/** The static type of a spec's bus config. */
export type BusConfigOf<T extends TransportSpec> = Static<T['schema']>;

type BusSchema<K extends string, P extends TProperties> = ReturnType<typeof busSchema<K, P>>;

/** One transport's spec, its schema built from `fields` (plus `id` and `transport`). */
export function defineTransport<K extends string, P extends TProperties>(def: {
  name: K;
  fields: P;
  addressing: 'unit' | 'id';
  addressProblem: (bus: string, address: ModuleAddress) => string | null;
  capabilities: (
    bus: Static<BusSchema<K, P>>,
    profiles: ReadonlyMap<string, Profile>,
  ) => ModuleCapabilities | null;
  endpoint?: (bus: Static<BusSchema<K, P>>) => { host: string; port: number } | null;
}): TransportSpec<K, BusSchema<K, P>> {
  const { fields, ...rest } = def;
  return { ...rest, schema: busSchema(def.name, fields) };
}
