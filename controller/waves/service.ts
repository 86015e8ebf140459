/**
 * Wave intake for the WMS (CONTRACTS.md §1): validate whole, store atomically,
 * idempotent re-post, conflicts. A rejected wave stores nothing.
 */
import { createHash } from 'node:crypto';
import { PicklineError } from '../../kernel/errors.ts';
import type { Outbox } from '../events/outbox.ts';
import { addWaveWork } from '../service-levels/repo.ts';
import type { Site } from '../site.ts';
import type { Store } from '../store/db.ts';
import {
  cancelWaveRows,
  existingIds,
  getOrder,
  getWave,
  insertWave,
  type LineRow,
  openContainers,
  waveHash,
  waveStatus,
  waveSummary,
} from './repo.ts';
import { type OrderView, WaveInput, type WaveSummary, type WaveView } from './schema.ts';
import { checkWave } from './validate.ts';

export interface WaveServiceDeps {
  store: Store;
  outbox: Outbox;
  site: Site;
  maxLines?: number;
  /** told about lines that were lit when their wave was cancelled (lights go off) */
  onCancelled?: (waveId: string, litLines: LineRow[]) => void;
  /** projected finishes of open orders (the service levels, CONTRACTS.md §7); absent: null */
  projection?: {
    order(orderId: string): string | null;
    /** orderId → projectedAt for the wave's open orders */
    wave(waveId: string): Map<string, string>;
  };
}

/** Where a command came from: `messageId` when it came by message (CONTRACTS.md §6). */
export interface CommandMeta {
  messageId?: string | null;
}

function messageIdOf(meta: CommandMeta): { messageId?: string | null } {
  return meta.messageId === undefined ? {} : { messageId: meta.messageId };
}

export class WaveService {
  readonly #d: WaveServiceDeps;

  constructor(deps: WaveServiceDeps) {
    this.#d = deps;
  }

  /**
   * Returns `created: true` on first acceptance, false for an identical re-post.
   * `messageId`: the message-bus sender's id, echoed in `wave.accepted` (CONTRACTS.md §6).
   */
  submit(body: unknown, meta: CommandMeta = {}): { created: boolean; wave: WaveSummary } {
    const r = checkWave(body, this.#d.site, this.#d.maxLines);
    if (!r.ok) {
      const n = r.details.length;
      throw new PicklineError(
        r.code,
        `wave rejected: ${n} problem${n === 1 ? '' : 's'}`,
        r.details,
      );
    }
    const wave = r.wave;
    const hash = createHash('sha256').update(canonicalWave(wave)).digest('hex');
    const { store, outbox } = this.#d;
    const conflict = () => orderConflict(store, wave);
    let created: boolean;
    try {
      created = store.tx(() => {
        const db = store.db;
        const existing = waveHash(db, wave.waveId);
        if (existing !== null) {
          if (existing === hash) return false;
          throw new PicklineError(
            'WAVE_CONFLICT',
            `wave ${wave.waveId} was accepted with a different body`,
            [{ path: '/waveId', message: 'already accepted with a different body' }],
          );
        }
        const inUse = openContainers(
          db,
          wave.orders.flatMap((o) => (o.container === undefined ? [] : [o.container])),
        );
        if (inUse.size > 0) {
          // ids taken by another wave are the first thing to report
          const taken = conflict();
          if (taken) throw taken;
          throw containerInUse(wave, inUse);
        }
        const now = new Date().toISOString();
        // Ids taken by another wave are not looked up first: the inserts below
        // meet them as primary-key conflicts (the common case, no conflict,
        // costs nothing extra), and the transaction rolls back.
        insertWave(db, wave, hash, now);
        addWaveWork(db, wave.waveId); // the zones' work queues (CONTRACTS.md §7)
        outbox.append('wave.accepted', {
          waveId: wave.waveId,
          priority: wave.priority ?? 0,
          orders: wave.orders.length,
          lines: wave.orders.reduce((n, o) => n + o.lines.length, 0),
          ...messageIdOf(meta),
        });
        return true;
      });
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw e;
      // rolled back: what is in the store now is other waves' only
      throw conflict() ?? e;
    }
    return { created, wave: this.summary(wave.waveId) };
  }

  /** The wave without its lines: what the WMS gets back on submit. */
  summary(waveId: string): WaveSummary {
    const w = waveSummary(this.#d.store.db, waveId);
    if (!w) throw new PicklineError('WAVE_NOT_FOUND', `no wave ${waveId}`);
    if (w.risk !== null)
      w.projectedAt = this.#latest([...(this.#d.projection?.wave(waveId).values() ?? [])]);
    return w;
  }

  get(waveId: string): WaveView {
    const w = getWave(this.#d.store.db, waveId);
    if (!w) throw new PicklineError('WAVE_NOT_FOUND', `no wave ${waveId}`);
    if (w.risk === null) return w;
    const p = this.#d.projection?.wave(waveId);
    for (const o of w.orders) if (o.risk !== null) o.projectedAt = p?.get(o.orderId) ?? null;
    w.projectedAt = this.#latest(w.orders.map((o) => o.projectedAt));
    return w;
  }

  getOrder(orderId: string): OrderView {
    const o = getOrder(this.#d.store.db, orderId);
    if (!o) throw new PicklineError('ORDER_NOT_FOUND', `no order ${orderId}`);
    return this.#project(o);
  }

  #project(o: OrderView): OrderView {
    if (o.risk !== null) o.projectedAt = this.#d.projection?.order(o.orderId) ?? null;
    return o;
  }

  /** The latest of ISO UTC instants (same-length text sorts as time). */
  #latest(times: (string | null)[]): string | null {
    let out: string | null = null;
    for (const t of times) if (t !== null && (out === null || t > out)) out = t;
    return out;
  }

  /** Cancels the wave's open lines; idempotent for an already cancelled wave. */
  cancel(waveId: string, meta: CommandMeta = {}): WaveView {
    const { store, outbox } = this.#d;
    let lit: LineRow[] = [];
    store.tx(() => {
      const status = waveStatus(store.db, waveId);
      if (status === null) throw new PicklineError('WAVE_NOT_FOUND', `no wave ${waveId}`);
      if (status === 'cancelled') return;
      if (status === 'completed')
        throw new PicklineError('WAVE_CLOSED', `wave ${waveId} is completed`);
      const r = cancelWaveRows(store.db, waveId, new Date().toISOString());
      lit = r.lit;
      outbox.append('wave.cancelled', {
        waveId,
        cancelledLines: r.cancelled,
        ...messageIdOf(meta),
      });
    });
    if (lit.length > 0) this.#d.onCancelled?.(waveId, lit);
    return this.get(waveId);
  }
}

/** ORDER_CONFLICT naming every order and line id of `wave` that another wave holds, or null. */
function orderConflict(store: Store, wave: WaveInput): PicklineError | null {
  const db = store.db;
  const takenOrders = existingIds(
    db,
    'orders',
    wave.orders.map((o) => o.orderId),
  );
  const takenLines = existingIds(
    db,
    'lines',
    wave.orders.flatMap((o) => o.lines.map((l) => l.lineId)),
  );
  if (takenOrders.size + takenLines.size === 0) return null;
  const details = [
    ...wave.orders.flatMap((o, i) =>
      takenOrders.has(o.orderId)
        ? [
            {
              path: `/orders/${i}/orderId`,
              message: `order "${o.orderId}" belongs to another wave`,
            },
          ]
        : [],
    ),
    ...wave.orders.flatMap((o, i) =>
      o.lines.flatMap((l, j) =>
        takenLines.has(l.lineId)
          ? [
              {
                path: `/orders/${i}/lines/${j}/lineId`,
                message: `line "${l.lineId}" belongs to another wave`,
              },
            ]
          : [],
      ),
    ),
  ];
  return new PicklineError(
    'ORDER_CONFLICT',
    'orders or lines of this wave belong to another wave',
    details,
  );
}

function containerInUse(wave: WaveInput, inUse: Map<string, string>): PicklineError {
  return new PicklineError(
    'CONTAINER_IN_USE',
    'containers of this wave belong to open orders',
    wave.orders.flatMap((o, i) =>
      o.container !== undefined && inUse.has(o.container)
        ? [
            {
              path: `/orders/${i}/container`,
              message: `container "${o.container}" belongs to open order "${inUse.get(o.container)}"`,
            },
          ]
        : [],
    ),
  );
}

/**
 * sha256 of the wave with object keys sorted, so key order does not matter.
 * The text is `JSON.stringify` of a copy with every object's keys inserted
 * in sorted order (stored hashes of earlier releases must stay valid). Fast
 * path: `JSON.stringify` with the sorted list of every key in the body as
 * its property list writes each object's keys in that order natively; a
 * replacer copying every object cost a third of a 10,000-line intake
 * (bench/wave-accept.ts; README "Benchmarks"). Keys for which the two differ (array-index keys, which JS
 * objects order numerically, and `__proto__`) take the copying path.
 */
export function canonicalHash(v: unknown): string {
  return createHash('sha256').update(canonical(v)).digest('hex');
}

const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * Every property name the wave schema allows, sorted — or null if some object
 * of the schema admits other properties. A wave that passed validation has
 * no other keys, so this list serves as the property list without walking
 * the body for its keys first.
 */
const SCHEMA_KEYS: string[] | null = (() => {
  const keys = new Set<string>();
  const walk = (s: {
    type?: string;
    properties?: object;
    items?: object;
    additionalProperties?: unknown;
  }): boolean => {
    if (s.type === 'array' && s.items) return walk(s.items as typeof s);
    if (s.type !== 'object') return true;
    if (s.additionalProperties !== false) return false;
    for (const [k, sub] of Object.entries(s.properties ?? {})) {
      keys.add(k);
      if (!walk(sub)) return false;
    }
    return true;
  };
  if (!walk(WaveInput)) return null;
  return [...keys].some((k) => k === '__proto__' || INDEX_KEY.test(k)) ? null : [...keys].sort();
})();

/** The canonical text of a validated wave (see canonicalHash). */
export function canonicalWave(wave: WaveInput): string {
  return SCHEMA_KEYS ? JSON.stringify(wave, SCHEMA_KEYS) : canonical(wave);
}

function canonical(v: unknown): string {
  const keys = new Set<string>();
  collectKeys(v, keys);
  for (const k of keys) if (k === '__proto__' || INDEX_KEY.test(k)) return copiedSorted(v);
  return JSON.stringify(v, [...keys].sort());
}

function collectKeys(v: unknown, into: Set<string>): void {
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) collectKeys(x, into);
    return;
  }
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    into.add(k);
    collectKeys((v as Record<string, unknown>)[k], into);
  }
}

function copiedSorted(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (!val || typeof val !== 'object' || Array.isArray(val)) return val;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(val).sort()) sorted[k] = (val as Record<string, unknown>)[k];
    return sorted;
  });
}
