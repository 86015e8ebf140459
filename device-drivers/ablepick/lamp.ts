/**
 * A LightState as ABLEPick host commands (HARDWARE.md "Atop ABLEPick"):
 *   off                 0x01 clear
 *   on, a quantity      [0x1F colour] 0x00 display
 *   blink/fast, qty     [0x1F colour] 0x12 interval (1 s / 0.25 s) 0x10 display-and-flash
 *   on, blank           [0x1F colour] 0x01 clear, 0x02 LED on
 *   blink/fast, blank   [0x1F colour] 0x12 interval, 0x01 clear, 0x11 flash
 * The colour is set temporarily (no 0x55: the tag's EEPROM is not worn). Tags
 * have six colours; yellow and magenta are shown as the tags' orange and
 * pink; white has no code and is refused (UNSUPPORTED), as a Modbus profile
 * refuses a colour it lacks.
 */
import { PicklineError } from '../../kernel/errors.ts';
import type { LightState } from '../types.ts';
import {
  COLOR_CODE,
  cmd,
  DISPLAY_MAX,
  type FieldPort,
  FLASH_INTERVAL,
  type Frame,
  SUB,
  type TagColor,
} from './codec.ts';

export const TAG_COLORS = Object.keys(COLOR_CODE) as TagColor[];

export function lampFrames(port: FieldPort, tag: number, s: LightState): Frame[] {
  if (s.mode === 'off') return [cmd.simple(port, tag, SUB.clear)];
  const out: Frame[] = [];
  if (s.color !== undefined) {
    if (!Object.hasOwn(COLOR_CODE, s.color))
      throw new PicklineError('UNSUPPORTED', `ABLEPick tags cannot show ${s.color}`);
    out.push(cmd.color(port, tag, s.color as TagColor));
  }
  const flashing = s.mode !== 'on';
  if (flashing) {
    const code = s.mode === 'fast' ? FLASH_INTERVAL.fast : FLASH_INTERVAL.slow;
    out.push(cmd.flashInterval(port, tag, code));
  }
  const d = s.display;
  if (d !== undefined && d !== null) {
    if (!Number.isInteger(d) || d < 0 || d > DISPLAY_MAX)
      throw new PicklineError(
        'UNSUPPORTED',
        `ABLEPick tags cannot display ${d} (0..${DISPLAY_MAX})`,
      );
    out.push(cmd.display(port, tag, d, flashing));
  } else {
    out.push(cmd.simple(port, tag, SUB.clear));
    out.push(cmd.simple(port, tag, flashing ? SUB.flash : SUB.ledOn));
  }
  return out;
}
