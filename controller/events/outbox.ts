/**
 * The durable outbox (CONTRACTS.md §1 "Events to the WMS"). Events are
 * appended inside the same transaction as the state change they describe, so
 * an event exists if and only if its change was committed. `seq` is gap-free
 * in commit order within a store epoch; a restore starts a new epoch whose
 * seqs begin at the next multiple of 1,000,000 (controller/store/epoch.ts).
 * `eventId` is unique across stores and epochs (`e-<storeId>-<seq>` in epoch
 * 0, `e-<storeId>.<epoch>.<tag>-<seq>` after a restore), so a receiver that
 * dedupes by id never drops an event of a rebuilt or restored store.
 */
import type { EventType } from '../../kernel/events.ts';
import { type Store, stmt } from '../store/db.ts';
import { formatEventId, readEpoch, type StoreEpoch } from '../store/epoch.ts';

export { EVENT_TYPES, type EventType } from '../../kernel/events.ts';

export interface PicklineEvent {
  eventId: string;
  seq: number;
  type: EventType;
  occurredAt: string;
  data: Record<string, unknown>;
}

interface Row {
  seq: number;
  event_id: string;
  type: EventType;
  occurred_at: string;
  data: string;
}

export class Outbox {
  readonly #store: Store;
  readonly #listeners = new Set<(e: PicklineEvent) => void>();
  #pending: PicklineEvent[] = [];
  #epoch: StoreEpoch | null = null;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Must be called inside `store.tx()`: the event commits with the change. */
  append(type: EventType, data: Record<string, unknown>, at = new Date()): PicklineEvent {
    const db = this.#store.db;
    if (!db.inTransaction) throw new Error('Outbox.append must run inside a transaction');
    // read once: the epoch changes only by a restore, on a stopped store
    this.#epoch ??= readEpoch(db);
    const seq = Math.max(
      (stmt(db, 'SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM events').get() as { s: number }).s,
      this.#epoch.seqBase,
    );
    const e: PicklineEvent = {
      eventId: formatEventId(this.#epoch, seq),
      seq,
      type,
      occurredAt: at.toISOString(),
      data,
    };
    stmt(
      db,
      'INSERT INTO events (seq, event_id, type, occurred_at, data) VALUES (?, ?, ?, ?, ?)',
    ).run(seq, e.eventId, type, e.occurredAt, JSON.stringify(data));
    this.#schedule(e);
    return e;
  }

  /** Events with seq > after, oldest first; `types` filters in SQL so paging always advances. */
  read(after: number, limit: number, types?: readonly string[]): PicklineEvent[] {
    const filter =
      types && types.length > 0 ? ` AND type IN (${types.map(() => '?').join(',')})` : '';
    const rows = stmt(
      this.#store.db,
      `SELECT seq, event_id, type, occurred_at, data FROM events WHERE seq > ?${filter} ORDER BY seq LIMIT ?`,
    ).all(after, ...(filter ? types! : []), limit) as Row[];
    return rows.map(toEvent);
  }

  lastSeq(): number {
    return (
      stmt(this.#store.db, 'SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number }
    ).s;
  }

  /** Called after the appending transaction committed (never for rolled-back ones). */
  onEvent(listener: (e: PicklineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #schedule(e: PicklineEvent): void {
    this.#pending.push(e);
    if (this.#pending.length > 1) return;
    // better-sqlite3 is synchronous: a microtask runs after the transaction
    // returned. Events of a rolled-back transaction are filtered by re-reading.
    queueMicrotask(() => {
      const batch = this.#pending;
      this.#pending = [];
      if (!this.#store.isOpen) return;
      const db = this.#store.db;
      const exists = stmt(db, 'SELECT 1 FROM events WHERE event_id = ?');
      for (const ev of batch) {
        if (!exists.get(ev.eventId)) continue;
        for (const l of this.#listeners) {
          try {
            l(ev);
          } catch {
            // a listener's failure never stops delivery to the others
          }
        }
      }
    });
  }
}

function toEvent(r: Row): PicklineEvent {
  return {
    eventId: r.event_id,
    seq: r.seq,
    type: r.type,
    occurredAt: r.occurred_at,
    data: JSON.parse(r.data),
  };
}
