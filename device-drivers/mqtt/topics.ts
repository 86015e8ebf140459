/**
 * The MQTT topic contract (CONTRACTS.md §2): root `pickline/v1`, per module
 * `modules/{moduleId}/set|ack|button|status`, `scanners/{id}/scan`,
 * `events/{type}`. JSON payloads; `seq` is the job token. Parsers return null
 * for anything malformed: the caller counts and drops it.
 */
import { COLORS, type Color, isColor, isKey } from '../../config/colors.ts';
import type { Key, LightMode, LightState, ModuleCapabilities } from '../types.ts';

export const ROOT = 'pickline/v1';

export const topic = {
  set: (id: string) => `${ROOT}/modules/${id}/set`,
  ack: (id: string) => `${ROOT}/modules/${id}/ack`,
  button: (id: string) => `${ROOT}/modules/${id}/button`,
  status: (id: string) => `${ROOT}/modules/${id}/status`,
  scan: (id: string) => `${ROOT}/scanners/${id}/scan`,
  event: (type: string) => `${ROOT}/events/${type}`,
};

/** What the controller subscribes to for its modules (filtered by id on arrival). */
export const MODULE_SUBSCRIPTIONS = ['ack', 'button', 'status'].map(
  (k) => `${ROOT}/modules/+/${k}`,
);

/** `pickline/v1/modules/{id}/{kind}` → its parts; null for any other topic. */
export function parseModuleTopic(t: string): { id: string; kind: string } | null {
  const p = t.split('/');
  if (p.length !== 5 || `${p[0]}/${p[1]}` !== ROOT || p[2] !== 'modules') return null;
  return { id: p[3], kind: p[4] };
}

const MODES: readonly LightMode[] = ['off', 'on', 'blink', 'fast'];
const KEYS: readonly Key[] = ['confirm', 'short', 'plus', 'minus', 'fn'];

export interface SetPayload {
  seq: number;
  mode: LightMode;
  color?: Color;
  /** quantity as text; absent = blank */
  display?: string;
}

export function encodeSet(s: LightState): string {
  const p: SetPayload = { seq: s.seq, mode: s.mode };
  if (s.mode !== 'off' && s.color) p.color = s.color;
  if (s.mode !== 'off' && s.display !== undefined && s.display !== null)
    p.display = String(s.display);
  return JSON.stringify(p);
}

function json(payload: Buffer | string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(payload.toString());
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

const isSeq = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;

/** A display as text or number: a non-negative integer, or null for blank. */
function display(v: unknown): number | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'string' && /^[0-9]{1,6}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

export function decodeSet(payload: Buffer | string): SetPayload | null {
  const v = json(payload);
  if (!v || !isSeq(v.seq) || !MODES.includes(v.mode as LightMode)) return null;
  if (v.color !== undefined && !COLORS.includes(v.color as Color)) return null;
  if (v.display !== undefined && display(v.display) === undefined) return null;
  return v as unknown as SetPayload;
}

export function decodeAck(payload: Buffer | string): { seq: number } | null {
  const v = json(payload);
  return v && isSeq(v.seq) ? { seq: v.seq } : null;
}

/** `id` (optional, an extension): a press number; a repeated one is a duplicate delivery. */
export interface ButtonPayload {
  seq: number;
  key: Key;
  display: number | null;
  id?: string | number;
}

export function decodeButton(payload: Buffer | string): ButtonPayload | null {
  const v = json(payload);
  if (!v || !isSeq(v.seq) || !KEYS.includes(v.key as Key)) return null;
  const d = display(v.display);
  if (d === undefined) return null;
  const id = typeof v.id === 'string' || typeof v.id === 'number' ? v.id : undefined;
  return { seq: v.seq, key: v.key as Key, display: d, ...(id !== undefined ? { id } : {}) };
}

export interface StatusPayload {
  online: boolean;
  model?: string;
  fw?: string;
  /** what the module can show (an extension); null when present but malformed */
  capabilities?: ModuleCapabilities | null;
}

export function decodeStatus(payload: Buffer | string): StatusPayload | null {
  const v = json(payload);
  if (!v || typeof v.online !== 'boolean') return null;
  const s: StatusPayload = { online: v.online };
  if (typeof v.model === 'string') s.model = v.model;
  if (typeof v.fw === 'string') s.fw = v.fw;
  if (v.capabilities !== undefined) s.capabilities = decodeCapabilities(v.capabilities);
  return s;
}

const strings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= 32 && v.every((x) => typeof x === 'string');

/**
 * `{"colors": [...], "display": true, "displayDigits": 4, "keys": [...]}`
 * (contract-extensions.md "MQTT"): colours and keys Pickline has no word for
 * are left out, as in a profile; null when the shape is wrong.
 */
export function decodeCapabilities(v: unknown): ModuleCapabilities | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const { colors, keys = [], display, displayDigits: digits } = v as Record<string, unknown>;
  if (!strings(colors) || !strings(keys)) return null;
  if (display !== undefined && typeof display !== 'boolean') return null;
  const digitsOk =
    typeof digits === 'number' && Number.isInteger(digits) && digits >= 1 && digits <= 6;
  if (digits !== undefined && !digitsOk) return null;
  return {
    colors: colors.filter(isColor),
    display: typeof display === 'boolean' ? display : digits !== undefined,
    ...(digitsOk ? { displayDigits: digits } : {}),
    keys: keys.filter(isKey),
    source: 'module status',
  };
}

export function decodeScan(payload: Buffer | string): { code: string; zone?: string } | null {
  const v = json(payload);
  if (!v || typeof v.code !== 'string' || v.code.length === 0 || v.code.length > 128) return null;
  if (v.zone !== undefined && typeof v.zone !== 'string') return null;
  return { code: v.code, ...(typeof v.zone === 'string' ? { zone: v.zone } : {}) };
}
