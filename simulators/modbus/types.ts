/** Public types of the Modbus module simulator (see module.ts for the behaviour). */
import type { IdentityValues } from './layout.ts';

export type SimFault =
  | { kind: 'silence' }
  | { kind: 'bad-crc' }
  | { kind: 'exception'; code?: number }
  | { kind: 'slow'; ms: number };

export interface SimModuleState {
  mode: 'off' | 'on' | 'blink' | 'fast';
  color: string | null;
  display: number | null;
  seq: number;
  lamp: boolean;
  buzzer: boolean;
}

export type SimKey = 'confirm' | 'short';

export interface SimModuleEvents {
  /** The decoded state differs from the last one seen: `master` = written over the bus, `local` = +/- keys. */
  change: (state: SimModuleState, cause: 'master' | 'local') => void;
  /** The module took a new unit id. */
  address: (from: number, to: number) => void;
}

export interface SimModuleOptions {
  /** Input profiles: how long a press holds its input at 1 (default 300 ms). */
  holdMs?: number;
  identity?: Partial<IdentityValues>;
}
