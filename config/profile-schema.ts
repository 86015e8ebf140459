/**
 * Device profiles: a light module described as data (CONTRACTS.md §4,
 * STYLE.md "devices are data"). Adding a device means adding a JSON file in
 * `config/profiles/`; drivers and simulators interpret it, no code changes.
 *
 * A profile keeps what the module can do (`capabilities`: keys, display,
 * colours, blink modes, job token), which any transport's driver reads, apart
 * from how one transport reaches it (`modbus`: the register map). In `modbus`,
 * addresses are 0-based protocol addresses and values 16-bit unsigned.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { isColor, isKey, type ModuleCapabilities } from './colors.ts';

const Reg = T.Integer({ minimum: 0, maximum: 65535 });
const Word = T.Integer({ minimum: 0, maximum: 65535 });
const Field = T.Union(
  ['mode', 'color', 'display', 'seq', 'lamp', 'zero'].map((f) => T.Literal(f)),
  { description: 'What a written register/coil carries; `zero` writes 0' },
);

/** One write that sets the whole light state (HARDWARE.md: one FC16 per light). */
export const LightWrite = T.Union([
  T.Object(
    {
      kind: T.Literal('registers'),
      fc: T.Union([T.Literal(6), T.Literal(16)], { description: 'FC06 only for a single field' }),
      address: Reg,
      fields: T.Array(Field, { minItems: 1, maxItems: 16 }),
    },
    { additionalProperties: false },
  ),
  T.Object(
    {
      kind: T.Literal('coils'),
      fc: T.Union([T.Literal(5), T.Literal(15)]),
      address: Reg,
      fields: T.Array(Field, {
        minItems: 1,
        maxItems: 16,
        description: 'lamp → on unless mode off',
      }),
    },
    { additionalProperties: false },
  ),
]);

/** How key presses are found by polling. */
export const EventRead = T.Union([
  T.Object(
    {
      kind: T.Literal('counter'),
      description: T.Optional(T.String()),
      fc: T.Union([T.Literal(3), T.Literal(4)]),
      address: Reg,
      /** order of the words read from `address`; `count` changes on every key event */
      fields: T.Array(
        T.Union(['count', 'key', 'display', 'seq', 'skip'].map((f) => T.Literal(f))),
        {
          minItems: 1,
          maxItems: 16,
        },
      ),
      keys: T.Record(
        T.String({ pattern: '^[0-9]+$' }),
        T.Union(['confirm', 'short', 'plus', 'minus', 'fn'].map((k) => T.Literal(k))),
      ),
    },
    { additionalProperties: false },
  ),
  T.Object(
    {
      kind: T.Literal('inputs'),
      description: T.Optional(T.String()),
      fc: T.Union([T.Literal(1), T.Literal(2)]),
      address: Reg,
      /** key of each consecutive input bit; a press is a 0→1 edge seen by polling */
      keys: T.Array(T.Union(['confirm', 'short', 'fn', 'none'].map((k) => T.Literal(k))), {
        minItems: 1,
        maxItems: 16,
      }),
    },
    { additionalProperties: false },
  ),
]);

/** What the module can do, whatever the wire. */
export const Capabilities = T.Object(
  {
    display: T.Boolean(),
    displayDigits: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 5,
        description: 'Digits of the display; shows 0..10^digits-1 (at most 65535)',
      }),
    ),
    colors: T.Array(T.String(), {
      description: 'Colours the lamp can show; [] = one fixed colour',
    }),
    modes: T.Array(T.Union(['on', 'blink', 'fast'].map((m) => T.Literal(m))), { minItems: 1 }),
    jobToken: T.Boolean({ description: 'Module echoes the job token (seq) with key events' }),
    keys: T.Array(T.String()),
    localAdjust: T.Boolean({
      description: '+/- keys change the displayed quantity on the module',
    }),
  },
  { additionalProperties: false },
);

/** The Modbus register map of a module: how the Modbus driver and simulator reach it. */
export const ModbusMap = T.Object(
  {
    encoding: T.Object(
      {
        mode: T.Object(
          { off: Word, on: Word, blink: T.Optional(Word), fast: T.Optional(Word) },
          { additionalProperties: false },
        ),
        color: T.Optional(T.Record(T.String(), Word)),
        displayBlank: T.Optional(Word),
      },
      { additionalProperties: false },
    ),
    light: LightWrite,
    events: EventRead,
    identity: T.Optional(
      T.Object(
        {
          fc: T.Union([T.Literal(3), T.Literal(4)]),
          address: Reg,
          fields: T.Array(
            T.Union(['model', 'fwMajor', 'fwMinor', 'serial', 'skip'].map((f) => T.Literal(f))),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    status: T.Optional(
      T.Object(
        {
          fc: T.Union([T.Literal(3), T.Literal(4)]),
          address: Reg,
          bits: T.Record(T.String({ pattern: '^[0-9]+$' }), T.String()),
        },
        { additionalProperties: false },
      ),
    ),
    buzzer: T.Optional(
      T.Object({ fc: T.Literal(6), address: Reg, on: Word }, { additionalProperties: false }),
    ),
    setAddress: T.Optional(
      T.Object(
        {
          fc: T.Literal(6),
          address: Reg,
          accept: T.Union([T.Literal('key'), T.Literal('immediate')], {
            description: 'key: module takes the new address when its confirm key is pressed',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const Profile = T.Object(
  {
    name: T.String({ pattern: '^[a-z0-9][a-z0-9.-]*$' }),
    description: T.String(),
    vendor: T.Optional(T.String()),
    source: T.Optional(T.String({ description: 'Manual or spec this map comes from' })),
    capabilities: Capabilities,
    modbus: ModbusMap,
  },
  { additionalProperties: false },
);

export type Profile = Static<typeof Profile>;
export type Capabilities = Static<typeof Capabilities>;
export type ModbusMap = Static<typeof ModbusMap>;
export type LightWrite = Static<typeof LightWrite>;
export type EventRead = Static<typeof EventRead>;

/** Largest quantity the display shows, or undefined when the profile gives no digit count. */
export function displayMax(c: Capabilities): number | undefined {
  return c.displayDigits === undefined ? undefined : Math.min(10 ** c.displayDigits - 1, 0xffff);
}

/** A profile's capabilities in the words of the bus capability query (colours and keys it names that Pickline has no word for are left out). */
export function profileCapabilities(p: Profile): ModuleCapabilities {
  const c = p.capabilities;
  return {
    colors: c.colors.filter(isColor),
    display: c.display,
    ...(c.displayDigits !== undefined ? { displayDigits: c.displayDigits } : {}),
    keys: c.keys.filter(isKey),
    source: `profile ${p.name}`,
  };
}
