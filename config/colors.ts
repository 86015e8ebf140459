/**
 * Lamp colours and module keys: the words a light module's capabilities are
 * given in (profiles, transport specs, the MQTT status of CONTRACTS.md §2), and
 * what a zone's `colors` names (CONTRACTS.md §5).
 */
import { Type as T } from '@sinclair/typebox';

export const COLORS = ['red', 'green', 'blue', 'yellow', 'cyan', 'magenta', 'white'] as const;
export type Color = (typeof COLORS)[number];

export const Color = T.Union(
  COLORS.map((c) => T.Literal(c)),
  { description: 'Lamp colour' },
);

export const KEYS = ['confirm', 'short', 'plus', 'minus', 'fn'] as const;
export type Key = (typeof KEYS)[number];

/**
 * What the modules of a bus can show and press, as far as it is known
 * (the bus's capability query, `LightBus.capabilities`): from the Modbus
 * profile, fixed for ABLEPick tags, announced at run time by MQTT modules.
 */
export interface ModuleCapabilities {
  /** colours the lamp shows; [] = one fixed colour (a colour asked for is shown as that one) */
  colors: readonly Color[];
  /** true when it has a quantity display */
  display: boolean;
  /** digits of the display, when known */
  displayDigits?: number;
  keys: readonly Key[];
  /** who says so, for messages: `profile pickline-ptl-v1`, `ABLEPick tags`, `module status` */
  source: string;
}

export const isColor = (c: unknown): c is Color => (COLORS as readonly unknown[]).includes(c);
export const isKey = (k: unknown): k is Key => (KEYS as readonly unknown[]).includes(k);
