/**
 * Per-webhook delivery cursors in `webhook_cursors` (migration 1): every event
 * with `seq <= delivered_seq` was acknowledged with a 2xx (or skipped by the
 * webhook's `types` filter). Written after each 2xx, so a restart resumes
 * after the last acknowledged event and re-sends at most the one in flight.
 */
import type { Store } from '../store/db.ts';

export interface CursorRow {
  url: string;
  deliveredSeq: number;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
}

interface Row {
  url: string;
  delivered_seq: number;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
}

export class WebhookCursors {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * The cursor of `url`; a URL seen for the first time gets a row starting
   * at `initialSeq` (0 = everything still in the outbox).
   */
  open(url: string, initialSeq: number): CursorRow {
    const db = this.#store.db;
    return this.#store.tx(() => {
      db.prepare(
        'INSERT INTO webhook_cursors (url, delivered_seq) VALUES (?, ?) ON CONFLICT(url) DO NOTHING',
      ).run(url, initialSeq);
      const r = db
        .prepare(
          'SELECT url, delivered_seq, attempts, last_error, next_attempt_at FROM webhook_cursors WHERE url = ?',
        )
        .get(url) as Row;
      return {
        url: r.url,
        deliveredSeq: r.delivered_seq,
        attempts: r.attempts,
        lastError: r.last_error,
        nextAttemptAt: r.next_attempt_at,
      };
    });
  }

  /** After a 2xx (or skipped events): the cursor only ever moves forward. */
  delivered(url: string, seq: number): void {
    this.#store.db
      .prepare(
        `UPDATE webhook_cursors SET delivered_seq = MAX(delivered_seq, ?), attempts = 0,
           last_error = NULL, next_attempt_at = NULL WHERE url = ?`,
      )
      .run(seq, url);
  }

  failed(url: string, attempts: number, error: string, nextAttemptAt: string): void {
    this.#store.db
      .prepare(
        'UPDATE webhook_cursors SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE url = ?',
      )
      .run(attempts, error, nextAttemptAt, url);
  }

  /** Events after `after` that the webhook will send (its `types`, or all). */
  pending(after: number, types: readonly string[] | null): number {
    const filter = types ? ` AND type IN (${types.map(() => '?').join(', ')})` : '';
    const row = this.#store.db
      .prepare(`SELECT COUNT(*) AS n FROM events WHERE seq > ?${filter}`)
      .get(after, ...(types ?? [])) as { n: number };
    return row.n;
  }
}
