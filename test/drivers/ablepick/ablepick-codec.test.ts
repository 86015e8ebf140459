/**
 * The ABLEPick codec (device-drivers/ablepick/codec.ts) byte for byte against
 * the frame layout of HARDWARE.md, and the stream parser under random bytes,
 * split and merged frames (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ABLEPICK_TAG } from '../../../config/transports/ablepick.ts';
import {
  cmd,
  decodeTagFrame,
  displayData,
  encodeFrame,
  type Frame,
  FrameParser,
  parseDisplay,
  SUB,
  type TagEvent,
  tagFrameOk,
} from '../../../device-drivers/ablepick/codec.ts';
import { lampFrames, TAG_COLORS } from '../../../device-drivers/ablepick/lamp.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').match(/../g)!.join(' ');
const enc = (f: Frame) => hex(encodeFrame(f));
const tagFrame = (msgType: number, sub: number, node: number, data: number[]) =>
  Buffer.from([8 + data.length, 0, msgType, 0, 0, 0, sub, node, ...data]);

describe('ABLEPick host → tag frames', () => {
  it('shows a quantity right aligned, padded with 0x00, no decimal point', () => {
    expect(hex(displayData(3))).toBe('00 00 00 00 00 33 00');
    expect(enc(cmd.display(1, 5, 3))).toBe('0f 00 60 00 00 00 00 05 00 00 00 00 00 33 00');
    expect(enc(cmd.display(2, 200, 123456, true))).toBe(
      '0f 00 61 00 00 00 10 c8 31 32 33 34 35 36 00',
    );
    expect(() => displayData(1_000_000)).toThrow(RangeError);
    expect(() => displayData(-1)).toThrow(RangeError);
    expect(() => displayData(1.5)).toThrow(RangeError);
  });

  it('encodes clear, LED, buzzer, flash, polling range, status request, colour, interval, address', () => {
    expect(enc(cmd.simple(1, 7, SUB.clear))).toBe('08 00 60 00 00 00 01 07');
    expect(enc(cmd.simple(1, 7, SUB.ledOn))).toBe('08 00 60 00 00 00 02 07');
    expect(enc(cmd.simple(1, 7, SUB.ledOff))).toBe('08 00 60 00 00 00 03 07');
    expect(enc(cmd.simple(1, 7, SUB.buzzerOn))).toBe('08 00 60 00 00 00 04 07');
    expect(enc(cmd.simple(1, 7, SUB.buzzerOff))).toBe('08 00 60 00 00 00 05 07');
    expect(enc(cmd.simple(1, 7, SUB.flash))).toBe('08 00 60 00 00 00 11 07');
    expect(enc(cmd.pollingRange(2, 40))).toBe('08 00 61 00 00 00 08 28');
    expect(enc(cmd.connected(1))).toBe('08 00 60 00 00 00 09 fc');
    expect(enc(cmd.color(1, 9, 'cyan'))).toBe('0a 00 60 00 00 00 1f 09 00 05');
    expect(enc(cmd.color(1, 9, 'yellow'))).toBe('0a 00 60 00 00 00 1f 09 00 02');
    expect(enc(cmd.flashInterval(1, 9, 0x04))).toBe('0a 00 60 00 00 00 12 09 00 04');
    expect(enc(cmd.setAddress(1, 0xfc, 17))).toBe('0d 00 60 00 00 00 3a fc 40 1b 1b 10 11');
  });

  it('has a colour code for exactly the colours the transport spec says tags show', () => {
    expect([...TAG_COLORS].sort()).toEqual([...ABLEPICK_TAG.colors].sort());
    for (const c of ABLEPICK_TAG.colors)
      expect(() => lampFrames(1, 1, { mode: 'on', color: c, seq: 1 })).not.toThrow();
    expect(() => lampFrames(1, 1, { mode: 'on', color: 'white', seq: 1 })).toThrow(/white/);
  });

  it('turns a light state into the commands of the lamp table', () => {
    const subs = (s: Parameters<typeof lampFrames>[2]) => lampFrames(1, 4, s).map((f) => f.sub);
    expect(subs({ mode: 'off', seq: 1 })).toEqual([SUB.clear]);
    expect(subs({ mode: 'on', color: 'green', display: 5, seq: 1 })).toEqual([
      SUB.configure,
      SUB.display,
    ]);
    expect(subs({ mode: 'blink', display: 5, seq: 1 })).toEqual([
      SUB.flashInterval,
      SUB.displayFlash,
    ]);
    expect(subs({ mode: 'on', display: null, seq: 1 })).toEqual([SUB.clear, SUB.ledOn]);
    expect(subs({ mode: 'fast', seq: 1 })).toEqual([SUB.flashInterval, SUB.clear, SUB.flash]);
    expect(lampFrames(1, 4, { mode: 'fast', seq: 1 })[0].data[1]).toBe(0x00);
    expect(lampFrames(1, 4, { mode: 'blink', seq: 1 })[0].data[1]).toBe(0x04);
    expect(() => lampFrames(1, 4, { mode: 'on', color: 'white', seq: 1 })).toThrow(
      /cannot show white/,
    );
    expect(() => lampFrames(1, 4, { mode: 'on', display: 1_000_000, seq: 1 })).toThrow(
      /cannot display/,
    );
  });
});

describe('ABLEPick tag → host frames', () => {
  const one = (b: Buffer) => {
    const frames = new FrameParser().push(b);
    expect(frames).toHaveLength(1);
    return decodeTagFrame(frames[0]);
  };

  it('decodes confirm and short with the displayed (corrected) value', () => {
    expect(one(tagFrame(0x60, 0x06, 3, [0, 0, 0, 0, 0x31, 0x32, 0]))).toEqual({
      kind: 'key',
      port: 1,
      tag: 3,
      key: 'confirm',
      display: 12,
    });
    expect(one(tagFrame(0x61, 0x07, 200, [0, 0, 0, 0, 0, 0, 0]))).toEqual({
      kind: 'key',
      port: 2,
      tag: 200,
      key: 'short',
      display: null,
    });
    expect(parseDisplay(Buffer.from([0, 0, 0, 0x2d, 0x2d, 0x2d]))).toBeNull();
    expect(parseDisplay(Buffer.from('000042', 'ascii'))).toBe(42);
  });

  it('decodes timeout, malfunction, illegal command, keys locked, reset and address set', () => {
    const kinds = [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x64].map(
      (sub) => (one(tagFrame(0x60, sub, 8, [])) as { kind: string }).kind,
    );
    expect(kinds).toEqual([
      'timeout',
      'malfunction',
      'illegal',
      'keysLocked',
      'tagReset',
      'special',
    ]);
  });

  it('reads the connected-tags bitmap from DATA[3], a clear bit meaning connected', () => {
    // tags 1..16: byte 0 = 0b1111_1010 → 1 and 3 connected; byte 1 = 0x7f → 16 connected
    const e = one(tagFrame(0x60, 0x09, 0xfc, [0, 0, 0, 0xfa, 0x7f])) as Extract<
      TagEvent,
      { kind: 'connected' }
    >;
    expect([...e.connected]).toEqual([1, 3, 16]);
    expect(e.covers).toBe(16);
  });

  it('refuses frames that do not fit their sub-command', () => {
    expect(tagFrameOk(0x06, 3, Uint8Array.of(0, 0, 0x31))).toBe(false); // short display
    expect(tagFrameOk(0x06, 3, Uint8Array.of(0, 0, 0x0f, 0, 0x60, 0, 0))).toBe(false); // not ASCII
    expect(tagFrameOk(0x06, 0, Uint8Array.of(0, 0, 0, 0, 0, 0x31, 0))).toBe(false); // tag 0
    expect(tagFrameOk(0x00, 3, new Uint8Array(7))).toBe(false); // host command
    expect(tagFrameOk(0x09, 0xfc, Uint8Array.of(0, 0, 0))).toBe(false); // no bitmap
  });
});

describe('ABLEPick stream parser', () => {
  const confirm = (tag: number, qty: number) => tagFrame(0x60, 0x06, tag, [...displayData(qty)]);

  it('waits for the rest of a partial frame, then resynchronises after garbage', () => {
    const p = new FrameParser();
    const f = confirm(4, 7);
    expect(p.push(f.subarray(0, 5))).toEqual([]);
    expect(p.push(f.subarray(5)).map(decodeTagFrame)).toMatchObject([{ tag: 4, display: 7 }]);
    const out = p.push(Buffer.concat([Buffer.from([0xff, 0x13, 0x60, 0x00]), confirm(5, 8)]));
    expect(out.map(decodeTagFrame)).toMatchObject([{ tag: 5, display: 8 }]);
    expect(p.skipped).toBe(4);
  });

  it('skips a truncated frame followed by a whole one', () => {
    const p = new FrameParser();
    const whole = confirm(9, 123);
    const out = p.push(Buffer.concat([confirm(8, 5).subarray(0, 11), whole]));
    expect(out.map(decodeTagFrame)).toEqual([
      { kind: 'key', port: 1, tag: 9, key: 'confirm', display: 123 },
    ]);
  });

  const keyFrameArb = fc
    .record({
      port: fc.constantFrom(0x60, 0x61),
      sub: fc.constantFrom(0x06, 0x07, 0x0f),
      tag: fc.integer({ min: 1, max: 200 }),
      qty: fc.option(fc.integer({ min: 0, max: 999_999 }), { nil: null }),
    })
    .map(({ port, sub, tag, qty }) =>
      tagFrame(port, sub, tag, qty === null ? [0, 0, 0, 0, 0, 0, 0] : [...displayData(qty)]),
    );
  const statusFrameArb = fc
    .record({
      port: fc.constantFrom(0x60, 0x61),
      sub: fc.constantFrom(0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x64),
      tag: fc.integer({ min: 1, max: 200 }),
    })
    .map(({ port, sub, tag }) => tagFrame(port, sub, tag, []));
  const bitmapFrameArb = fc
    .uint8Array({ minLength: 1, maxLength: 25 })
    .map((bits) => tagFrame(0x60, 0x09, 0xfc, [0, 0, 0, ...bits]));
  const frameArb = fc.oneof(keyFrameArb, statusFrameArb, bitmapFrameArb);

  // every frame's length byte below 0x20 (non-printable): bitmaps of at most 20 bytes
  const shortFrameArb = frameArb.filter((f) => f[0] < 0x20);
  // key and status frames cut short (a cut 0x09 reply may swallow the next frame's
  // first bytes as bitmap: HARDWARE.md "How the ABLEPick driver uses it")
  const cutFrameArb = fc
    .oneof(keyFrameArb, statusFrameArb)
    .chain((f) =>
      fc.integer({ min: 1, max: f.length - 1 }).map((k) => ({ whole: f, cut: f.subarray(0, k) })),
    );

  /** Feeds `bytes` in chunks cut at `cuts` (offsets, modulo the length). */
  const feed = (bytes: Buffer, cuts: number[]) => {
    const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const p = new FrameParser();
    const out: Frame[] = [];
    let from = 0;
    for (const c of [...at, bytes.length]) {
      out.push(...p.push(bytes.subarray(from, c)));
      from = c;
    }
    return out;
  };
  const cuts = fc.array(fc.nat(), { maxLength: 12 });

  it('never throws on random bytes, and emits only well-formed frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), cuts, (bytes, c) => {
        for (const f of feed(Buffer.from(bytes), c)) {
          expect(tagFrameOk(f.sub, f.node, f.data)).toBe(true);
          expect(decodeTagFrame(f)).not.toBeNull();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('returns exactly the frames sent, however the stream is split or merged', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), cuts, (frames, c) => {
        const got = feed(Buffer.concat(frames), c).map((f) => encodeFrame(f));
        expect(got.map(hex)).toEqual(frames.map(hex));
      }),
      { numRuns: 500 },
    );
  });

  it('never emits a wrong event after a truncated frame', () => {
    fc.assert(
      fc.property(cutFrameArb, fc.array(shortFrameArb, { maxLength: 8 }), cuts, (t, frames, c) => {
        const got = feed(Buffer.concat([t.cut, ...frames]), c).map((f) => hex(encodeFrame(f)));
        // the cut frame's own event may come back whole (only its last byte lost and
        // borrowed from the next frame, which is then lost); nothing else is invented
        // (a borrowed frame comes first, and may even equal a real frame sent later)
        const whole = t.whole.subarray(0, t.whole.length - 1);
        const borrowed = (g: string) =>
          Buffer.from(g.replace(/ /g, ''), 'hex').subarray(0, -1).equals(whole);
        const rest = got.length > 0 && borrowed(got[0]) ? got.slice(1) : got;
        // what is left are real frames, in the order sent (some may be swallowed)
        const sent = frames.map(hex);
        let i = 0;
        for (const g of rest) {
          while (i < sent.length && sent[i] !== g) i++;
          expect(i < sent.length, `${g} is not a frame sent, in order`).toBe(true);
          i++;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('recovers every frame after garbage that cannot name a field port', () => {
    const garbage = fc
      .uint8Array({ maxLength: 40 })
      .map((g) => g.filter((b) => b !== 0x60 && b !== 0x61));
    fc.assert(
      fc.property(fc.array(fc.tuple(garbage, frameArb), { maxLength: 10 }), cuts, (parts, c) => {
        const bytes = Buffer.concat(parts.flatMap(([g, f]) => [Buffer.from(g), f]));
        const got = feed(bytes, c).map((f) => hex(encodeFrame(f)));
        expect(got).toEqual(parts.map(([, f]) => hex(f)));
      }),
      { numRuns: 500 },
    );
  });
});
