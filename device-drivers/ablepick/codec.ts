/**
 * The ABLEPick wire format (HARDWARE.md "Atop ABLEPick"), pure: frames to
 * bytes and back, no sockets, no state except the stream parser's buffer.
 *
 * Frame: `LEN_L LEN_H MSG_TYPE 00 00 00 SUB_COMMAND SUB_NODE DATA…`, LEN little
 * endian counting the whole frame (8 + data). MSG_TYPE names the controller's
 * field port (0x60 port 1, 0x61 port 2); SUB_NODE the tag 1..200 or 0xFC for
 * every tag on the port.
 *
 * The parser has no sync marker to hunt for, so it accepts a frame only when
 * its header is well formed (LEN within bounds, a known MSG_TYPE, three zero
 * bytes) and its data fits the sub-command (length, display characters); on
 * anything else it drops one byte and looks again. A truncated frame followed
 * by a whole one is thus skipped byte by byte until the whole one lines up.
 */

export const HEADER = 8;
/** the longest frame the parser accepts: a 0x09 reply for 200 tags is 8 + 3 + 25 */
export const MAX_FRAME = 64;
export const MAX_TAG = 200;
export const BROADCAST = 0xfc;
export const DISPLAY_DIGITS = 6;
export const DISPLAY_MAX = 999_999;

export type FieldPort = 1 | 2;
export const MSG_TYPE: Record<FieldPort, number> = { 1: 0x60, 2: 0x61 };

/** Sub-commands, host → tag and tag → host (HARDWARE.md). */
export const SUB = {
  display: 0x00,
  clear: 0x01,
  ledOn: 0x02,
  ledOff: 0x03,
  buzzerOn: 0x04,
  buzzerOff: 0x05,
  confirm: 0x06,
  short: 0x07,
  pollingRange: 0x08,
  connected: 0x09,
  timeout: 0x0a,
  malfunction: 0x0b,
  illegal: 0x0c,
  keysLocked: 0x0d,
  tagReset: 0x0e,
  stock: 0x0f,
  displayFlash: 0x10,
  flash: 0x11,
  flashInterval: 0x12,
  showAddress: 0x13,
  configure: 0x1f,
  setAddress: 0x3a,
  special: 0x64,
} as const;

/** 0x1F DATA[0]: which setting; DATA[1] its value. */
export const CONFIG_COLOR = 0x00;
/** ABLEPick tag colour codes (HARDWARE.md); orange and pink stand for yellow and magenta. */
export const COLOR_CODE = { red: 0, green: 1, yellow: 2, blue: 3, magenta: 4, cyan: 5 } as const;
export type TagColor = keyof typeof COLOR_CODE;
/** 0x12 DATA[1]: flashing interval codes (0.25 s, 0.5 s, 1 s, 2 s). */
export const FLASH_INTERVAL = { fast: 0x00, half: 0x02, slow: 0x04, slower: 0x08 } as const;
/** the bytes before the new address in a 0x3A frame */
export const SET_ADDRESS_PREFIX = [0x40, 0x1b, 0x1b, 0x10] as const;

export interface Frame {
  msgType: number;
  sub: number;
  node: number;
  data: Uint8Array;
}

export function encodeFrame(f: Frame): Buffer {
  const len = HEADER + f.data.length;
  const b = Buffer.alloc(len);
  b.writeUInt16LE(len, 0);
  b[2] = f.msgType;
  b[6] = f.sub;
  b[7] = f.node;
  b.set(f.data, HEADER);
  return b;
}

/** Six characters right aligned, padded with 0x00, then the decimal-point mask (none). */
export function displayData(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > DISPLAY_MAX) {
    throw new RangeError(`display ${value} is not 0..${DISPLAY_MAX}`);
  }
  const text = String(value);
  const out = new Uint8Array(DISPLAY_DIGITS + 1);
  out.set(Buffer.from(text, 'ascii'), DISPLAY_DIGITS - text.length);
  return out;
}

/** The six display characters as a number; null when blank or not a plain number (e.g. "--"). */
export function parseDisplay(chars: Uint8Array): number | null {
  const text = Buffer.from(chars.subarray(0, DISPLAY_DIGITS))
    .toString('latin1')
    .replace(/^[\0 ]+/, '')
    .trimEnd();
  return /^\d+$/.test(text) ? Number(text) : null;
}

/** Six display characters: 0x00 padding, then printable ASCII. */
function displayCharsOk(chars: Uint8Array): boolean {
  let i = 0;
  while (i < DISPLAY_DIGITS && chars[i] === 0) i++;
  for (; i < DISPLAY_DIGITS; i++) if (chars[i] < 0x20 || chars[i] > 0x7e) return false;
  return true;
}

/** Tag → host frames: whether `data` fits `sub` (the parser's resynchronisation test). */
export function tagFrameOk(sub: number, node: number, data: Uint8Array): boolean {
  switch (sub) {
    case SUB.confirm:
    case SUB.short:
    case SUB.stock:
      return node >= 1 && node <= MAX_TAG && data.length === 7 && displayCharsOk(data);
    case SUB.connected:
      return data.length >= 4;
    case SUB.timeout:
    case SUB.malfunction:
    case SUB.illegal:
    case SUB.keysLocked:
    case SUB.tagReset:
    case SUB.special:
      return node >= 1 && node <= MAX_TAG && data.length <= 8;
    default:
      return false;
  }
}

export type TagEvent =
  | { kind: 'key'; port: FieldPort; tag: number; key: 'confirm' | 'short'; display: number | null }
  | { kind: 'stock'; port: FieldPort; tag: number; display: number | null }
  | {
      kind: 'timeout' | 'malfunction' | 'illegal' | 'keysLocked' | 'tagReset' | 'special';
      port: FieldPort;
      tag: number;
    }
  /** tags whose bit is clear in the 0x09 bitmap (connected), for tags 1..8×bytes */
  | { kind: 'connected'; port: FieldPort; connected: Set<number>; covers: number };

const SIMPLE = {
  [SUB.timeout]: 'timeout',
  [SUB.malfunction]: 'malfunction',
  [SUB.illegal]: 'illegal',
  [SUB.keysLocked]: 'keysLocked',
  [SUB.tagReset]: 'tagReset',
  [SUB.special]: 'special',
} as const;

export function portOf(msgType: number): FieldPort | null {
  return msgType === 0x60 ? 1 : msgType === 0x61 ? 2 : null;
}

/** A tag → host frame as an event; null for a frame that is not one. */
export function decodeTagFrame(f: Frame): TagEvent | null {
  const port = portOf(f.msgType);
  if (port === null || !tagFrameOk(f.sub, f.node, f.data)) return null;
  const tag = f.node;
  if (f.sub === SUB.confirm || f.sub === SUB.short) {
    const key = f.sub === SUB.confirm ? 'confirm' : 'short';
    return { kind: 'key', port, tag, key, display: parseDisplay(f.data) };
  }
  if (f.sub === SUB.stock) return { kind: 'stock', port, tag, display: parseDisplay(f.data) };
  if (f.sub === SUB.connected) {
    const bitmap = f.data.subarray(3);
    const connected = new Set<number>();
    for (let i = 0; i < bitmap.length * 8; i++) {
      if ((bitmap[i >> 3] & (1 << (i & 7))) === 0) connected.add(i + 1);
    }
    return { kind: 'connected', port, connected, covers: bitmap.length * 8 };
  }
  const kind = SIMPLE[f.sub as keyof typeof SIMPLE];
  return { kind, port, tag };
}

/**
 * Length-prefixed stream → frames. `accept` says whether a candidate frame is
 * one (default: a tag → host frame that fits its sub-command).
 */
export class FrameParser {
  #buf: Buffer = Buffer.alloc(0);
  /** bytes dropped while resynchronising */
  skipped = 0;

  constructor(
    private readonly accept: (sub: number, node: number, data: Uint8Array) => boolean = tagFrameOk,
  ) {}

  push(chunk: Uint8Array): Frame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    const out: Frame[] = [];
    let i = 0;
    const b = this.#buf;
    while (b.length - i >= 2) {
      const len = b[i] | (b[i + 1] << 8);
      const headerOk =
        len >= HEADER &&
        len <= MAX_FRAME &&
        (b.length - i < 3 || portOf(b[i + 2]) !== null) &&
        (b.length - i < 6 || (b[i + 3] === 0 && b[i + 4] === 0 && b[i + 5] === 0));
      if (!headerOk) {
        i++;
        this.skipped++;
        continue;
      }
      if (b.length - i < len) break; // wait for the rest
      const data = new Uint8Array(b.subarray(i + HEADER, i + len));
      if (!this.accept(b[i + 6], b[i + 7], data)) {
        i++;
        this.skipped++;
        continue;
      }
      out.push({ msgType: b[i + 2], sub: b[i + 6], node: b[i + 7], data });
      i += len;
    }
    this.#buf = b.subarray(i);
    return out;
  }

  /** Forget a partial frame (the connection dropped). */
  reset(): void {
    this.#buf = Buffer.alloc(0);
  }
}

/** Host → tag frames the driver sends. */
export const cmd = {
  display: (port: FieldPort, tag: number, value: number, flash = false): Frame => ({
    msgType: MSG_TYPE[port],
    sub: flash ? SUB.displayFlash : SUB.display,
    node: tag,
    data: displayData(value),
  }),
  simple: (port: FieldPort, tag: number, sub: number): Frame => ({
    msgType: MSG_TYPE[port],
    sub,
    node: tag,
    data: new Uint8Array(0),
  }),
  color: (port: FieldPort, tag: number, color: TagColor): Frame => ({
    msgType: MSG_TYPE[port],
    sub: SUB.configure,
    node: tag,
    data: Uint8Array.of(CONFIG_COLOR, COLOR_CODE[color]),
  }),
  flashInterval: (port: FieldPort, tag: number, code: number): Frame => ({
    msgType: MSG_TYPE[port],
    sub: SUB.flashInterval,
    node: tag,
    data: Uint8Array.of(0x00, code),
  }),
  pollingRange: (port: FieldPort, highest: number): Frame => ({
    msgType: MSG_TYPE[port],
    sub: SUB.pollingRange,
    node: highest,
    data: new Uint8Array(0),
  }),
  connected: (port: FieldPort): Frame => ({
    msgType: MSG_TYPE[port],
    sub: SUB.connected,
    node: BROADCAST,
    data: new Uint8Array(0),
  }),
  setAddress: (port: FieldPort, node: number, to: number): Frame => ({
    msgType: MSG_TYPE[port],
    sub: SUB.setAddress,
    node,
    data: Uint8Array.of(...SET_ADDRESS_PREFIX, to),
  }),
};
