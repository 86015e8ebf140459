/**
 * The narrow interfaces between the controller and light hardware. Every wire
 * protocol (Modbus RTU/TCP, ABLEPick, MQTT) implements `LightBus`; the
 * controller never sees function codes, frames or topics.
 *
 * Small capabilities (STYLE.md §2): a bus is a `LightOutput` + `KeySource` +
 * `HealthSource` + `CapabilitySource`; technician operations are optional
 * capabilities a transport may lack (`Identify`, `Readdress`, `IdentityReader`).
 */

import type { Color, Key, ModuleCapabilities } from '../config/colors.ts';
import type { ModuleAddress } from '../kernel/module-ref.ts';

export type { Color, Key, ModuleCapabilities } from '../config/colors.ts';

export {
  compareAddress,
  MODULE_ID_PATTERN,
  type ModuleAddress,
  type ModuleRef,
  moduleKey,
  parseAddress,
} from '../kernel/module-ref.ts';

export type LightMode = 'off' | 'on' | 'blink' | 'fast';

/** Whole state of one module; written in one transaction where the wire allows. */
export interface LightState {
  mode: LightMode;
  color?: Color;
  /** quantity shown; `null`/absent = blank display */
  display?: number | null;
  /**
   * job token (1–65535): key events carrying another token are stale. 0 = no
   * job (done indicator, walk test, identify): nothing to confirm, so the
   * module is not polled for keys, only swept for health.
   */
  seq: number;
}

export interface KeyEvent {
  bus: string;
  address: ModuleAddress;
  key: Key;
  /** quantity on the display when the key was pressed (after +/-); null when the module has no display */
  display: number | null;
  /** job token of the lit job the press belongs to */
  seq: number;
  /** ms since epoch when the driver detected the press */
  at: number;
}

export interface ModuleCounters {
  transactions: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  /** key events dropped: stale job token, module not lit, malformed */
  staleEvents: number;
  keyEvents: number;
  /** latency histogram of successful transactions: bucket upper bound ms → count */
  latencyMs: Record<string, number>;
}

export interface ModuleInfo {
  bus: string;
  address: ModuleAddress;
  online: boolean;
  /** last light state written (mode off when dark) */
  state: LightState | null;
  lastSeenAt: number | null;
  lastError: string | null;
  identity?: ModuleIdentity;
  /** status bits the module reports as set (profile `status`), e.g. `lampFault`; absent when unknown */
  faults?: string[];
  /** what the module announced it can show (MQTT status); absent when the config says it (profile, device) */
  capabilities?: ModuleCapabilities;
  /** why the announced capabilities fall short of what its zone asks (common/capabilities.ts) */
  capabilityProblem?: string;
  counters: ModuleCounters;
}

export interface ModuleIdentity {
  model?: number | string;
  fw?: string;
  serial?: number | string;
}

export interface BusInfo {
  id: string;
  transport: string;
  /** where the bus reaches its modules, for people: a serial path, `tcp://host:port (mbap)`… */
  endpoint?: string;
  profile?: string;
  /** started and its link up (a down link is reopened with backoff) */
  open: boolean;
  queueDepth: number;
  counters: ModuleCounters;
  modules: number;
  online: number;
  /** modules that announced capabilities short of their zone's colours, counted per announcement since start */
  capabilityMismatches?: number;
}

export interface HealthChange {
  bus: string;
  address: ModuleAddress;
  online: boolean;
  reason?: string;
}

export type Unsubscribe = () => void;

export interface LightOutput {
  /** Resolves once the module acknowledged the state (Modbus: the write answered). Rejects with a PicklineError (DEVICE_TIMEOUT, DEVICE_OFFLINE, …). */
  light(address: ModuleAddress, state: LightState): Promise<void>;
  clear(address: ModuleAddress): Promise<void>;
  /**
   * True when a newer light()/clear() of a module replaces its pending one at
   * once, in call order, and the replaced call resolves (MQTT): callers need
   * not wait for the previous command before sending the next.
   */
  readonly lastWriterWins?: boolean;
}

export interface KeySource {
  /** Only presses for the module's current lit job are delivered; others are counted in `staleEvents`. */
  onKey(listener: (e: KeyEvent) => void): Unsubscribe;
}

export interface HealthSource {
  onHealth(listener: (e: HealthChange) => void): Unsubscribe;
  modules(): ModuleInfo[];
  info(): BusInfo;
}

/**
 * The capability query: what a module can show and press (colours, display
 * digits, keys). The engine and the technician walk test ask before they
 * light; config load already refused zone colours that modules known from
 * the config cannot show (config/palette.ts).
 */
export interface CapabilitySource {
  /** null while unknown (an MQTT module that has not announced them) or for an address not on the bus */
  capabilities(address: ModuleAddress): ModuleCapabilities | null;
}

export interface Identify {
  /** Blink the module fast for `ms`, then restore its previous state. */
  identify(address: ModuleAddress, ms?: number): Promise<void>;
}

export interface Readdress {
  /** Give the module at `from` the address `to` (profile decides whether a key press must accept it). */
  setAddress(from: number, to: number): Promise<{ needsKeyPress: boolean }>;
}

export interface IdentityReader {
  readIdentity(address: ModuleAddress): Promise<ModuleIdentity>;
}

/** What a transport must provide. */
export interface LightBus extends LightOutput, KeySource, HealthSource, CapabilitySource {
  readonly id: string;
  start(): Promise<void>;
  /** Idempotent; releases every port, socket and timer. */
  stop(): Promise<void>;
}

export type TechnicianBus = LightBus & Partial<Identify & Readdress & IdentityReader>;
