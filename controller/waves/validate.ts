/**
 * Whole-wave validation: every problem is reported (one detail each, JSON
 * pointer paths), in three tiers that map to the API's status codes
 * (CONTRACTS.md §1): schema and duplicates → INVALID_WAVE (400); names the
 * site does not have → UNKNOWN_LOCATION / UNKNOWN_PUT_WALL (422).
 */

import { makeAjv, validateAll } from '../../config/validate.ts';
import type { ErrorDetail } from '../../kernel/errors.ts';
import { DUE_MESSAGE, normaliseDue } from '../service-levels/due.ts';
import type { Site } from '../site.ts';
import { WaveInput } from './schema.ts';

const checkSchema = makeAjv({ useDefaults: true }).compile(WaveInput);

export type WaveCheck =
  | { ok: true; wave: WaveInput }
  | {
      ok: false;
      code: 'INVALID_WAVE' | 'UNKNOWN_LOCATION' | 'UNKNOWN_PUT_WALL';
      details: ErrorDetail[];
    };

export function checkWave(body: unknown, site: Site, maxLines = 50000): WaveCheck {
  const schema = validateAll<WaveInput>(checkSchema, body);
  const wave = body as Partial<WaveInput> | null;
  // Duplicate and shape rules need a usable skeleton; check what is there.
  const orders = wave && typeof wave === 'object' && Array.isArray(wave.orders) ? wave.orders : [];
  // a blank id gets one clear detail instead of the schema's length/pattern ones
  const blank = blankIds(wave, orders);
  const blankPaths = new Set(blank.map((d) => d.path));
  const details: ErrorDetail[] = [
    ...blank,
    ...(schema.ok ? [] : schema.errors.filter((e) => !blankPaths.has(e.path))),
  ];
  const orderIds = new Map<string, number>();
  const containers = new Map<string, number>();
  const lineIds = new Map<string, string>();
  let lineCount = 0;
  // due times (CONTRACTS.md §7): a string the schema let through must be a real instant with an offset
  const badDue = (v: unknown, path: string) => {
    if (typeof v === 'string' && normaliseDue(v) === null)
      details.push({ path, message: DUE_MESSAGE });
  };
  badDue(wave && typeof wave === 'object' ? wave.dueAt : undefined, '/dueAt');
  orders.forEach((o, i) => {
    if (!o || typeof o !== 'object') return;
    badDue(o.dueAt, `/orders/${i}/dueAt`);
    if (typeof o.orderId === 'string') {
      if (orderIds.has(o.orderId)) {
        details.push({
          path: `/orders/${i}/orderId`,
          message: `duplicate orderId "${o.orderId}" (also /orders/${orderIds.get(o.orderId)})`,
        });
      } else orderIds.set(o.orderId, i);
    }
    if (typeof o.container === 'string' && o.container.trim() !== '') {
      // a scan of the container starts one order: two open orders cannot share it
      if (containers.has(o.container)) {
        details.push({
          path: `/orders/${i}/container`,
          message: `duplicate container "${o.container}" (also /orders/${containers.get(o.container)})`,
        });
      } else containers.set(o.container, i);
    }
    if (o.cubby !== undefined && o.putWall === undefined) {
      details.push({
        path: `/orders/${i}/cubby`,
        message: 'is only allowed together with putWall',
      });
    }
    const lines = Array.isArray(o.lines) ? o.lines : [];
    lineCount += lines.length;
    lines.forEach((l, j) => {
      if (!l || typeof l !== 'object') return;
      const here = `/orders/${i}/lines/${j}`;
      if (typeof l.lineId === 'string') {
        if (lineIds.has(l.lineId)) {
          details.push({
            path: `${here}/lineId`,
            message: `duplicate lineId "${l.lineId}" (also ${lineIds.get(l.lineId)})`,
          });
        } else lineIds.set(l.lineId, here);
      }
      if (o.putWall === undefined && l.location === undefined) {
        details.push({
          path: `${here}/location`,
          message: 'is required (or give the order a putWall)',
        });
      }
      if (o.putWall !== undefined && l.location !== undefined) {
        details.push({
          path: `${here}/location`,
          message: 'must be omitted in a put-wall order (the cubby is the location)',
        });
      }
    });
  });
  if (lineCount > maxLines) {
    details.push({
      path: '/orders',
      message: `a wave may have at most ${maxLines} lines (has ${lineCount})`,
    });
  }
  if (details.length > 0) return { ok: false, code: 'INVALID_WAVE', details };

  const w = body as WaveInput;
  const unknownLoc: ErrorDetail[] = [];
  const unknownWall: ErrorDetail[] = [];
  w.orders.forEach((o, i) => {
    if (o.putWall !== undefined) {
      const zone = site.zones.get(o.putWall);
      if (zone?.mode !== 'put') {
        unknownWall.push({
          path: `/orders/${i}/putWall`,
          message: `no put wall "${o.putWall}" at this site`,
        });
      } else if (o.cubby !== undefined && !zone.locations.some((l) => l.id === o.cubby)) {
        unknownWall.push({
          path: `/orders/${i}/cubby`,
          message: `put wall "${o.putWall}" has no cubby "${o.cubby}"`,
        });
      }
      return;
    }
    o.lines.forEach((l, j) => {
      const loc = site.locations.get(l.location!);
      if (!loc) {
        unknownLoc.push({
          path: `/orders/${i}/lines/${j}/location`,
          message: `no location "${l.location}" at this site`,
        });
      } else if (loc.mode === 'put') {
        unknownLoc.push({
          path: `/orders/${i}/lines/${j}/location`,
          message: `"${l.location}" is a put-wall cubby, not a pick location`,
        });
      }
    });
  });
  if (unknownLoc.length > 0)
    return { ok: false, code: 'UNKNOWN_LOCATION', details: [...unknownLoc, ...unknownWall] };
  if (unknownWall.length > 0) return { ok: false, code: 'UNKNOWN_PUT_WALL', details: unknownWall };
  return { ok: true, wave: w };
}

const WAVE_IDS = ['waveId'] as const;
const ORDER_IDS = ['orderId', 'container', 'putWall', 'cubby'] as const;
const LINE_IDS = ['lineId', 'sku', 'location'] as const;

/** Id fields that are strings of only whitespace (or empty). */
function blankIds(wave: Partial<WaveInput> | null, orders: unknown[]): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const check = (obj: unknown, keys: readonly string[], at: string) => {
    if (!obj || typeof obj !== 'object') return;
    for (const k of keys) {
      const v = (obj as Record<string, unknown>)[k];
      if (typeof v === 'string' && v.trim() === '')
        out.push({ path: `${at}/${k}`, message: 'must not be blank or only whitespace' });
    }
  };
  check(wave, WAVE_IDS, '');
  orders.forEach((o, i) => {
    check(o, ORDER_IDS, `/orders/${i}`);
    const lines = (o as { lines?: unknown } | null)?.lines;
    if (!Array.isArray(lines)) return;
    lines.forEach((l, j) => {
      check(l, LINE_IDS, `/orders/${i}/lines/${j}`);
    });
  });
  return out;
}
