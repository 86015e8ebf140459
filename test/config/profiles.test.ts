import { describe, expect, it } from 'vitest';
import { displayMax } from '../../config/profile-schema.ts';
import { loadProfiles, parseProfile } from '../../config/profiles.ts';
import { PicklineError } from '../../kernel/errors.ts';

const shipped = loadProfiles();
const ptl = shipped.get('pickline-ptl-v1')!;

function problems(data: unknown): string[] {
  try {
    parseProfile(data);
  } catch (e) {
    if (e instanceof PicklineError) return e.details.map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
  return [];
}

describe('device profiles: capabilities apart from the Modbus register map', () => {
  it('ships profiles with generic capabilities and a modbus section', () => {
    expect([...shipped.keys()]).toEqual(['generic-io-lamp-v1', 'pickline-ptl-v1']);
    for (const p of shipped.values()) {
      expect(Object.keys(p.capabilities)).toEqual(
        expect.arrayContaining(['display', 'colors', 'modes', 'jobToken', 'keys']),
      );
      expect(Object.keys(p.modbus)).toEqual(
        expect.arrayContaining(['encoding', 'light', 'events']),
      );
    }
    expect(displayMax(ptl.capabilities)).toBe(9999);
    expect(displayMax(shipped.get('generic-io-lamp-v1')!.capabilities)).toBeUndefined();
  });

  it('rejects register-map fields at the top level (the flat pre-split shape)', () => {
    const { modbus, ...rest } = structuredClone(ptl);
    expect(problems({ ...rest, ...modbus })).toEqual([
      '/modbus: is required',
      '/encoding: is not an allowed property',
      '/light: is not an allowed property',
      '/events: is not an allowed property',
      '/status: is not an allowed property',
      '/identity: is not an allowed property',
      '/buzzer: is not an allowed property',
      '/setAddress: is not an allowed property',
    ]);
  });

  it('checks the map against the capabilities, with paths into modbus', () => {
    const p = structuredClone(ptl);
    p.capabilities.display = false;
    delete p.modbus.encoding.mode.fast;
    p.modbus.light = { kind: 'registers', fc: 6, address: 0, fields: ['mode', 'seq'] };
    expect(problems(p)).toEqual([
      '/capabilities/displayDigits: needs display: true',
      '/modbus/light/fields: FC06 writes one register: give exactly one field',
      '/modbus/encoding/mode/fast: is required: capability lists mode "fast"',
    ]);
  });

  it('caps the display at 65535 whatever the digit count', () => {
    expect(displayMax({ ...ptl.capabilities, displayDigits: 5 })).toBe(65535);
    expect(displayMax({ ...ptl.capabilities, displayDigits: 2 })).toBe(99);
  });
});
