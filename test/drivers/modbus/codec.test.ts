/** Profile codec (device-drivers/modbus/codec.ts): pure, against the shipped profiles. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../../../config/profiles.ts';
import { COLORS } from '../../../config/schema.ts';
import {
  decodeEvents,
  decodeIdentity,
  decodeStatus,
  type EventBaseline,
  encodeLight,
  eventRead,
  healthRead,
  identityRead,
  setAddressWrite,
} from '../../../device-drivers/modbus/codec.ts';
import type { LightState } from '../../../device-drivers/types.ts';
import { isPicklineError } from '../../../kernel/errors.ts';

const profiles = loadProfiles();
const ptl = profiles.get('pickline-ptl-v1')!;
const lamp = profiles.get('generic-io-lamp-v1')!;

const lightState = fc.record({
  mode: fc.constantFrom('off', 'on', 'blink', 'fast') as fc.Arbitrary<LightState['mode']>,
  color: fc.constantFrom(...COLORS),
  display: fc.option(fc.integer({ min: 0, max: 9999 }), { nil: null }),
  seq: fc.integer({ min: 0, max: 65535 }),
});

describe('light write, pickline-ptl-v1 (CONTRACTS.md §4: one FC16 of registers 0–3)', () => {
  it('encodes mode, colour, display and job token', () => {
    expect(encodeLight(ptl, { mode: 'blink', color: 'green', display: 12, seq: 42 })).toEqual({
      fc: 16,
      address: 0,
      values: [2, 2, 12, 42],
    });
    expect(encodeLight(ptl, { mode: 'fast', color: 'white', display: null, seq: 1 })).toEqual({
      fc: 16,
      address: 0,
      values: [3, 7, 65535, 1],
    });
  });

  it('a dark module shows no colour and a blank display but keeps the token', () => {
    expect(encodeLight(ptl, { mode: 'off', color: 'red', display: 5, seq: 9 })).toEqual({
      fc: 16,
      address: 0,
      values: [0, 0, 65535, 9],
    });
  });

  it('a lit module without a colour takes the first colour of the profile', () => {
    expect(encodeLight(ptl, { mode: 'on', seq: 3 })).toMatchObject({ values: [1, 1, 65535, 3] });
  });

  it('property: every valid state becomes 4 words that decode back to it', () => {
    const modes = ['off', 'on', 'blink', 'fast'];
    const colors = ['none', ...COLORS];
    fc.assert(
      fc.property(lightState, (s) => {
        const req = encodeLight(ptl, s);
        if (req.fc !== 16) return false;
        const [mode, color, display, seq] = req.values;
        const lit = s.mode !== 'off';
        return (
          modes[mode] === s.mode &&
          colors[color] === (lit ? s.color : 'none') &&
          display === (lit && s.display !== null ? s.display : 65535) &&
          seq === s.seq
        );
      }),
    );
  });

  it('rejects what the module cannot show with UNSUPPORTED', () => {
    for (const s of [
      { mode: 'on', display: 10000, seq: 1 },
      { mode: 'on', display: -1, seq: 1 },
      { mode: 'on', display: 1.5, seq: 1 },
      { mode: 'on', seq: 65536 },
      { mode: 'on', color: 'purple', seq: 1 },
    ]) {
      expect(() => encodeLight(ptl, s as LightState), JSON.stringify(s)).toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED' }),
      );
    }
  });
});

describe('light write, generic-io-lamp-v1 (coil FC05)', () => {
  it('drives the lamp coil, ignoring colour, display and unsupported modes', () => {
    expect(encodeLight(lamp, { mode: 'fast', color: 'red', display: 3, seq: 5 })).toEqual({
      fc: 5,
      address: 0,
      value: true,
    });
    expect(encodeLight(lamp, { mode: 'off', seq: 5 })).toEqual({ fc: 5, address: 0, value: false });
  });
});

describe('counter-style events (EVENT_COUNT change = key event)', () => {
  const words = (count: number, key = 1, display = 3, seq = 7) => [count, key, display, seq];

  it('the first read after start sets the baseline and reports the held event, not a press', () => {
    const d = decodeEvents(ptl, words(17), null);
    expect(d.presses).toEqual([]);
    expect(d.baseline).toEqual({ count: 17 });
    expect(d.held).toEqual({ key: 'confirm', display: 3, seq: 7 });
    expect(decodeEvents(ptl, words(0), null).held).toBeUndefined(); // never pressed
  });

  it('a changed count is one press with key, display and token', () => {
    const d = decodeEvents(ptl, words(18, 2, 4, 9), { count: 17 });
    expect(d.presses).toEqual([{ key: 'short', display: 4, seq: 9 }]);
    expect(d.missed).toBe(0);
  });

  it('an unchanged count is nothing', () => {
    expect(decodeEvents(ptl, words(17), { count: 17 }).presses).toEqual([]);
  });

  it('wraps at 65535', () => {
    const d = decodeEvents(ptl, words(0), { count: 65535 });
    expect(d.presses).toHaveLength(1);
    expect(d.missed).toBe(0);
  });

  it('ignores one read whose count went backwards (a late RTU reply), resyncs after two', () => {
    let b: EventBaseline = { count: 5 };
    const step = (count: number) => {
      const d = decodeEvents(ptl, words(count), b);
      b = d.baseline;
      return d.presses.length;
    };
    expect(step(4)).toBe(0); // stale reply
    expect(step(5)).toBe(0); // no duplicate of the press already seen at 5
    expect(step(6)).toBe(1);
    expect(step(0)).toBe(0); // module restarted…
    expect(step(0)).toBe(0); // …confirmed: resync
    expect(step(1)).toBe(1);
  });

  it('a blank display is null', () => {
    expect(decodeEvents(ptl, words(1, 1, 65535), { count: 0 }).presses[0].display).toBeNull();
  });

  it('an unknown key code is malformed, not a press', () => {
    const d = decodeEvents(ptl, words(1, 9), { count: 0 });
    expect(d.presses).toEqual([]);
    expect(d.malformed).toBe(1);
  });

  it('property: a forward count change (mod 2^16, < 2^15) is one press, the rest counted as missed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 0x7fff }),
        (prev, delta) => {
          const next = (prev + delta) % 65536;
          const d = decodeEvents(ptl, words(next), { count: prev });
          return (
            d.presses.length === (delta === 0 ? 0 : 1) &&
            d.missed === Math.max(0, delta - 1) &&
            (d.baseline as { count: number }).count === next
          );
        },
      ),
    );
  });
});

describe('input-style events (0→1 edge of a discrete input)', () => {
  it('first read sets the baseline; a rising edge is a press; a held key is one press', () => {
    let b: EventBaseline = null;
    const step = (bits: number[]) => {
      const d = decodeEvents(lamp, bits, b);
      b = d.baseline;
      return d.presses.map((p) => p.key);
    };
    expect(step([1, 0])).toEqual([]);
    expect(step([0, 0])).toEqual([]);
    expect(step([1, 0])).toEqual(['confirm']);
    expect(step([1, 0])).toEqual([]);
    expect(step([1, 1])).toEqual(['short']);
  });

  it('input presses carry no display and no token', () => {
    const d = decodeEvents(lamp, [1, 0], { bits: [0, 0] });
    expect(d.presses).toEqual([{ key: 'confirm', display: null, seq: null }]);
  });
});

describe('reads, identity, status, re-addressing', () => {
  it('polls input registers 0–3', () => {
    expect(eventRead(ptl)).toEqual({ fc: 4, address: 0, count: 4 });
    expect(eventRead(lamp)).toEqual({ fc: 2, address: 0, count: 2 });
  });

  it('the health read covers the adjacent status word', () => {
    expect(healthRead(ptl)).toEqual({
      request: { fc: 4, address: 0, count: 5 },
      eventsAt: 0,
      statusAt: 4,
    });
    expect(healthRead(lamp).statusAt).toBeNull();
  });

  it('decodes identity and status bits', () => {
    expect(identityRead(ptl)).toEqual({ fc: 4, address: 10, count: 4 });
    expect(decodeIdentity(ptl, [3, 1, 4, 12345])).toEqual({ model: 3, fw: '1.4', serial: 12345 });
    expect(identityRead(lamp)).toBeNull();
    expect(decodeStatus(ptl, 0)).toEqual([]);
    expect(decodeStatus(ptl, 3)).toEqual(['lampFault', 'keyStuck']);
  });

  it('re-addresses with FC06 to the profile register', () => {
    expect(setAddressWrite(ptl, 17)).toEqual({ fc: 6, address: 100, value: 17 });
    expect(setAddressWrite(lamp, 17)).toEqual({ fc: 6, address: 16384, value: 17 });
  });

  it('errors are PicklineErrors', () => {
    expect.assertions(1);
    try {
      encodeLight(ptl, { mode: 'on', display: 123456, seq: 1 });
    } catch (e) {
      expect(isPicklineError(e, 'UNSUPPORTED')).toBe(true);
    }
  });
});
