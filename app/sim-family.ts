/**
 * One interface for every simulated device family of the dev floor
 * (docs/simulators.md "The simulated floor"): the console words and the floor
 * view's clicks reach a module through it, whatever its transport. Each
 * family implements every word; a word it cannot do throws UNSUPPORTED naming
 * the family and what it does support, so nothing fails as "no module". The
 * list `SIM_FAMILIES` (app/sim-families.ts) is typed over every transport whose
 * bus schema has `simulate`: a transport that gains `simulate` without a
 * family is a compile error.
 */

import type { Profile } from '../config/profile-schema.ts';
import type { BusConfig, SiteConfig } from '../config/schema.ts';
import { PicklineError } from '../kernel/errors.ts';

/** Every word of the simulator console (and of the press route: press, short, plus, minus). */
export const FLOOR_WORDS = ['press', 'short', 'plus', 'minus', 'fault', 'show', 'scan'] as const;
export type FloorWord = (typeof FLOOR_WORDS)[number];

/** The transports whose bus schema has `simulate` (config/transports/). */
export type SimulatedTransport = BusConfig extends infer B
  ? B extends { transport: infer T }
    ? 'simulate' extends keyof B
      ? T
      : never
    : never
  : never;

/** A module of a family: its bus, its address on that bus, and its location (or `<zone>-DONE`). */
export interface SimTarget {
  bus: string;
  address: number | string;
  name: string | null;
}

/** What a family is built from (app/sim-families.ts). */
export interface FamilyContext {
  config: SiteConfig;
  profiles: Map<string, Profile>;
  /** the module addresses of each bus */
  addresses: Map<string, (number | string)[]>;
  /** a module's location id or `<zone>-DONE` */
  name: (bus: string, address: number | string) => string | null;
}

export interface SimFamily {
  /** the family's name in messages: `Modbus TCP`, `MQTT` */
  readonly label: string;
  /** the buses this family simulates */
  readonly buses: readonly string[];
  /** fault kinds `fault` takes (for help and for refusals) */
  readonly faults: string;
  /**
   * Phase 1, before the controller is built: start what listens (Modbus
   * banks). Returns where each bus listens (empty for families that connect).
   */
  listen(ephemeral: boolean): Promise<Map<string, { host: string; port: number }>>;
  /** Phase 2, once the controller's broker listens: connect what dials in (MQTT fleets). */
  attach(brokerUrl: string | null): Promise<void>;
  /** Modules connected by `attach` (0 for families that listen). */
  attached(): number;
  /** Phase 2 undone, before the controller stops its broker: what dialled in leaves. */
  detach(): Promise<void>;
  /** True when this family simulates a module at (bus, address). */
  has(bus: string, address: number | string): boolean;
  press(t: SimTarget, key: 'confirm' | 'short'): Promise<string>;
  /** plus (`by` > 0) or minus: the displayed quantity */
  adjust(t: SimTarget, by: number): Promise<string>;
  /** `words` after the target: a fault kind and its argument */
  fault(t: SimTarget, words: string[]): Promise<string>;
  /** what the module shows, as one console line (without the bus and name) */
  look(t: SimTarget): string;
  /** lit (or faulty) modules, one line each, with bus and name */
  lit(): string[];
  /** scanner ids this family simulates; `scan` reads a code on one */
  scanners(): string[];
  scan(scanner: string, code: string): Promise<string>;
  /** one line per change of what a module shows */
  onChange(listener: (text: string) => void): () => void;
  stop(): Promise<void>;
}

/** The refusal of a word a family cannot do (HTTP 501 on the press route). */
export function unsupported(label: string, what: string, instead?: string): PicklineError {
  return new PicklineError(
    'UNSUPPORTED',
    `${label} simulated modules ${what}${instead ? ` (${instead})` : ''}`,
  );
}

/** A non-negative whole number argument of a console word. */
export function count(word: string | undefined, what: string, dflt: number): number {
  if (word === undefined) return dflt;
  const n = Number(word);
  if (!Number.isInteger(n) || n < 0)
    throw new PicklineError('BAD_REQUEST', `${what} must be a whole number, got "${word}"`);
  return n;
}
