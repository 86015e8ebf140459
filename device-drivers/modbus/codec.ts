/**
 * Profile codec: turns `LightState`s into the profile's one light write and the
 * words read back into key events, identity and status. Pure functions of a
 * `Profile`: its `capabilities` and `modbus` register map (config/profile-schema.ts;
 * map of pickline-ptl-v1 in CONTRACTS.md §4).
 */

import { displayMax, type Profile } from '../../config/profile-schema.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Key, LightMode, LightState, ModuleIdentity } from '../types.ts';
import type { ModbusRequest } from './master/pdu.ts';

const MODE_FALLBACK: Record<LightMode, LightMode[]> = {
  off: ['off'],
  on: ['on'],
  blink: ['blink', 'on'],
  fast: ['fast', 'blink', 'on'],
};

/** A mode the profile can show: `fast` degrades to `blink`, then `on`. */
export function supportedMode(p: Profile, mode: LightMode): LightMode {
  return MODE_FALLBACK[mode].find((m) => p.modbus.encoding.mode[m] !== undefined) ?? 'on';
}

function fieldValue(p: Profile, field: string, s: LightState): number {
  const lit = s.mode !== 'off';
  switch (field) {
    case 'mode':
      return p.modbus.encoding.mode[supportedMode(p, s.mode)] ?? 0;
    case 'lamp':
      return lit ? 1 : 0;
    case 'zero':
      return 0;
    case 'seq':
      if (!Number.isInteger(s.seq) || s.seq < 0 || s.seq > 0xffff) {
        throw new PicklineError('UNSUPPORTED', `job token ${s.seq} is not 0..65535`);
      }
      return s.seq;
    case 'color': {
      const table = p.modbus.encoding.color ?? {};
      if (!lit) return table.none ?? 0;
      const color = s.color ?? p.capabilities.colors[0];
      if (p.capabilities.colors.length === 0 || color === undefined) return table.none ?? 0;
      const v = table[color];
      if (v === undefined) throw new PicklineError('UNSUPPORTED', `${p.name} cannot show ${color}`);
      return v;
    }
    case 'display': {
      const blank = p.modbus.encoding.displayBlank ?? 0;
      if (!lit || s.display === null || s.display === undefined) return blank;
      const max = displayMax(p.capabilities) ?? 0xffff;
      if (!Number.isInteger(s.display) || s.display < 0 || s.display > max) {
        throw new PicklineError('UNSUPPORTED', `${p.name} cannot display ${s.display} (0..${max})`);
      }
      return s.display;
    }
  }
  throw new PicklineError('PROFILE_INVALID', `${p.name}: unknown light field ${field}`);
}

/** The single write that sets the whole state (HARDWARE.md: one FC16 per light). */
export function encodeLight(p: Profile, s: LightState): ModbusRequest {
  const w = p.modbus.light;
  const values = w.fields.map((f) => fieldValue(p, f, s));
  if (w.kind === 'coils') {
    const bits = values.map((v) => v !== 0);
    return w.fc === 5
      ? { fc: 5, address: w.address, value: bits[0] }
      : { fc: 15, address: w.address, values: bits };
  }
  return w.fc === 6
    ? { fc: 6, address: w.address, value: values[0] }
    : { fc: 16, address: w.address, values };
}

export type ReadRequest = Extract<ModbusRequest, { count: number }>;

/** The key-poll read (CONTRACTS.md §4: input registers 0–3 for pickline-ptl-v1). */
export function eventRead(p: Profile): ReadRequest {
  const e = p.modbus.events;
  return e.kind === 'counter'
    ? { fc: e.fc, address: e.address, count: e.fields.length }
    : { fc: e.fc, address: e.address, count: e.keys.length };
}

/** Health read: the event block, widened to cover the status word when both are adjacent words of one table. */
export interface HealthRead {
  request: ReadRequest;
  eventsAt: number;
  statusAt: number | null;
}

export function healthRead(p: Profile): HealthRead {
  const ev = eventRead(p);
  const st = p.modbus.status;
  if (!st || st.fc !== ev.fc) return { request: ev, eventsAt: 0, statusAt: null };
  const start = Math.min(ev.address, st.address);
  const end = Math.max(ev.address + ev.count, st.address + 1);
  if (end - start > 16) return { request: ev, eventsAt: 0, statusAt: null };
  return {
    request: { fc: ev.fc, address: start, count: end - start },
    eventsAt: ev.address - start,
    statusAt: st.address - start,
  };
}

/** What the driver remembers between polls; `null` = no read since start/reconnect. */
export type EventBaseline = { count: number; behind?: number } | { bits: number[] } | null;

export interface RawPress {
  key: Key;
  /** displayed quantity; null when the profile has no display or it was blank */
  display: number | null;
  /** job token the module reported; null when the profile has none */
  seq: number | null;
}

export interface DecodedEvents {
  baseline: EventBaseline;
  presses: RawPress[];
  /** events that happened between two polls and were overwritten (counter style) */
  missed: number;
  /** events with an unknown key code */
  malformed: number;
  /**
   * First read only (baseline null), counter profiles with a job token: the
   * last event the module holds (it may have been made while no controller
   * polled). The job token decides whether it is still news (monitor.ts).
   */
  held?: RawPress;
}

/**
 * Compares a poll with the previous one. The first read after start
 * (baseline null) only sets the baseline: it never yields a press, only the
 * `held` last event of a profile with a job token.
 * Counter style: EVENT_COUNT wraps at 65535, so the change is taken mod 2^16.
 * Input style: a press is a 0→1 edge between two polls.
 */
export function decodeEvents(p: Profile, words: number[], baseline: EventBaseline): DecodedEvents {
  const e = p.modbus.events;
  const out: DecodedEvents = { baseline, presses: [], missed: 0, malformed: 0 };
  if (e.kind === 'inputs') {
    const bits = e.keys.map((_, i) => (words[i] ? 1 : 0));
    const prev = baseline && 'bits' in baseline ? baseline.bits : null;
    out.baseline = { bits };
    if (!prev) return out;
    e.keys.forEach((key, i) => {
      if (key !== 'none' && prev[i] === 0 && bits[i] === 1) {
        out.presses.push({ key: key as Key, display: null, seq: null });
      }
    });
    return out;
  }
  const at = (f: string) => (e.fields as string[]).indexOf(f);
  const count = words[at('count')] & 0xffff;
  const prev = baseline && 'count' in baseline ? baseline.count : null;
  out.baseline = { count };
  if (prev === null) {
    if (count !== 0 && at('seq') >= 0) {
      const held = lastPress(p, words);
      if (held) out.held = held;
    }
    return out;
  }
  const delta = (count - prev) & 0xffff;
  if (delta === 0) return out;
  if (delta >= 0x8000) {
    // The count went backwards. A single such read is a late reply to an
    // earlier, timed-out request (RTU has no transaction id): ignore it. The
    // same backwards count twice in a row is a module that restarted: resync.
    const behind = baseline && 'behind' in baseline ? baseline.behind : undefined;
    out.baseline = behind === count ? { count } : { count: prev, behind: count };
    return out;
  }
  out.missed = delta - 1;
  const press = lastPress(p, words);
  if (press) out.presses.push(press);
  else out.malformed = 1;
  return out;
}

/** The last event in counter-style words; null for an unknown key code. */
function lastPress(p: Profile, words: number[]): RawPress | null {
  const e = p.modbus.events;
  if (e.kind !== 'counter') return null;
  const at = (f: string) => (e.fields as string[]).indexOf(f);
  // without a key field every event is the first listed key (usually confirm)
  const key = at('key') >= 0 ? e.keys[String(words[at('key')])] : Object.values(e.keys)[0];
  if (!key) return null;
  let display: number | null = null;
  if (at('display') >= 0) {
    const d = words[at('display')];
    display = d === (p.modbus.encoding.displayBlank ?? -1) ? null : d;
  }
  return { key: key as Key, display, seq: at('seq') >= 0 ? words[at('seq')] : null };
}

export function identityRead(p: Profile): ModbusRequest | null {
  const id = p.modbus.identity;
  return id ? { fc: id.fc, address: id.address, count: id.fields.length } : null;
}

export function decodeIdentity(p: Profile, words: number[]): ModuleIdentity {
  const fields = p.modbus.identity?.fields ?? [];
  const w = (f: string) =>
    fields.includes(f as never) ? words[fields.indexOf(f as never)] : undefined;
  const out: ModuleIdentity = {};
  if (w('model') !== undefined) out.model = w('model');
  if (w('serial') !== undefined) out.serial = w('serial');
  if (w('fwMajor') !== undefined) out.fw = `${w('fwMajor')}.${w('fwMinor') ?? 0}`;
  return out;
}

/** Names of the status bits that are set, e.g. ['lampFault']. */
export function decodeStatus(p: Profile, word: number): string[] {
  const bits = p.modbus.status?.bits ?? {};
  return Object.entries(bits)
    .filter(([bit]) => (word >> Number(bit)) & 1)
    .map(([, name]) => name);
}

export function setAddressWrite(p: Profile, to: number): ModbusRequest | null {
  return p.modbus.setAddress ? { fc: 6, address: p.modbus.setAddress.address, value: to } : null;
}
