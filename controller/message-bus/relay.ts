/**
 * The outbox relay to the broker (docs/CONTRACTS.md §6 "Events out"): every
 * event, in `seq` order, to the `pickline.events` exchange with routing key
 * `<site>.<type>`, on a confirm channel with at most `window` messages not yet
 * confirmed. Its durable cursor (`relay_cursors`, migration 6) moves only
 * over events the broker confirmed, contiguously in publish order, so a crash
 * or a lost connection re-sends from the first unconfirmed event: delivery is
 * at least once, in order, never with a gap; consumers dedupe by `eventId`
 * (the message id).
 *
 * Cursor writes are grouped (at most one commit per `saveEveryMs`, and one at
 * stop): after a crash up to that much confirmed traffic is published again.
 * A nack (the broker could not take a message) stops publishing until the
 * window settles, then rewinds to the first unconfirmed event after a pause.
 */
import type { ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import type { Outbox, PicklineEvent } from '../events/outbox.ts';
import { eventBody } from '../events/webhook-http.ts';
import type { Store } from '../store/db.ts';
import { EVENTS_EXCHANGE } from './topology.ts';

export interface RelayOptions {
  name: string;
  site: string;
  store: Store;
  outbox: Outbox;
  logger: Logger;
  window: number;
  saveEveryMs?: number;
  /** while idle, look at the outbox this often (events of another process) */
  idlePollMs?: number;
}

export class EventRelay {
  readonly #o: RelayOptions;
  /** every event with seq <= delivered was confirmed */
  delivered = 0;
  published = 0;
  confirmed = 0;
  nacks = 0;
  #saved = 0;
  #saveTimer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #running = false;

  constructor(o: RelayOptions) {
    this.#o = o;
  }

  /** Reads (or creates at 0: every stored event) the durable cursor. */
  open(): void {
    const db = this.#o.store.db;
    db.prepare(
      'INSERT INTO relay_cursors (name, delivered_seq) VALUES (?, 0) ON CONFLICT(name) DO NOTHING',
    ).run(this.#o.name);
    const r = db
      .prepare('SELECT delivered_seq AS s FROM relay_cursors WHERE name = ?')
      .get(this.#o.name) as { s: number };
    this.delivered = r.s;
    this.#saved = r.s;
  }

  /** Events not yet confirmed by the broker (null while the store is closed). */
  pending(): number | null {
    try {
      return (
        this.#o.store.db
          .prepare('SELECT COUNT(*) AS n FROM events WHERE seq > ?')
          .get(this.delivered) as { n: number }
      ).n;
    } catch {
      return null;
    }
  }

  /** A new event was committed. */
  wake(): void {
    this.#wake?.();
  }

  /**
   * Publishes until the channel closes or `stop` says so; never rejects.
   * Events confirmed in this run move the cursor; the rest are published
   * again by the next run.
   */
  async run(ch: ConfirmChannel, stopped: () => boolean): Promise<void> {
    const o = this.#o;
    this.#running = true;
    let closed = false;
    const onClose = () => {
      closed = true;
      this.#wake?.();
    };
    ch.once('close', onClose);
    ch.once('error', onClose);
    /** seqs published in this run, in order, with their confirm state */
    const window: { seq: number; state: 'out' | 'ack' | 'nack' }[] = [];
    let head = 0; // index of the first unsettled entry in `window`
    let sentUpTo = this.delivered;
    let rewind = false;
    const settle = () => {
      while (head < window.length && window[head].state === 'ack') {
        this.delivered = window[head].seq;
        head += 1;
      }
      if (head > 1024) {
        window.splice(0, head);
        head = 0;
      }
      this.#scheduleSave();
      this.#wake?.();
    };
    const drained = () => window.length - head === 0;
    try {
      while (!closed && !stopped()) {
        if (rewind) {
          if (!drained() && !window.slice(head).every((w) => w.state !== 'out')) {
            await this.#idle(1000);
            continue;
          }
          window.length = 0;
          head = 0;
          sentUpTo = this.delivered;
          rewind = false;
          await this.#idle(500);
          continue;
        }
        const room = o.window - (window.length - head);
        if (room <= 0) {
          await this.#idle(1000);
          continue;
        }
        let page: PicklineEvent[];
        try {
          page = o.outbox.read(sentUpTo, Math.min(room, 500));
        } catch {
          await this.#idle(1000); // store closing
          continue;
        }
        if (page.length === 0) {
          await this.#idle(o.idlePollMs ?? 5000);
          continue;
        }
        let blocked = false;
        for (const e of page) {
          const entry = { seq: e.seq, state: 'out' as 'out' | 'ack' | 'nack' };
          window.push(entry);
          sentUpTo = e.seq;
          this.published += 1;
          const more = ch.publish(
            EVENTS_EXCHANGE,
            `${o.site}.${e.type}`,
            Buffer.from(eventBody(e)),
            {
              messageId: e.eventId,
              contentType: 'application/json',
              persistent: true,
              type: e.type,
              timestamp: Math.floor(Date.parse(e.occurredAt) / 1000),
              headers: { 'x-pickline-seq': e.seq, 'x-pickline-site': o.site },
            },
            (err) => {
              if (err) {
                entry.state = 'nack';
                this.nacks += 1;
                rewind = true;
                // a channel that closed fails its unconfirmed messages too: not a refusal
                if (!closed && !stopped())
                  o.logger.warn(
                    { seq: entry.seq },
                    'amqp broker refused an event; publishing again',
                  );
              } else {
                entry.state = 'ack';
                this.confirmed += 1;
              }
              settle();
            },
          );
          if (!more) blocked = true;
        }
        if (blocked) await drainOrClose(ch);
      }
    } catch (e) {
      // a publish on a channel that just closed throws: the next session re-sends
      o.logger.debug({ err: (e as Error).message }, 'amqp relay run ended');
    } finally {
      ch.removeListener('close', onClose);
      this.#running = false;
      this.save();
    }
  }

  /** Writes the cursor now (grouped writes otherwise). */
  save(): void {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    if (this.delivered === this.#saved) return;
    try {
      this.#o.store.db
        .prepare('UPDATE relay_cursors SET delivered_seq = MAX(delivered_seq, ?) WHERE name = ?')
        .run(this.delivered, this.#o.name);
      this.#saved = this.delivered;
    } catch {
      // store closed: those events are published again after a restart
    }
  }

  #scheduleSave(): void {
    if (this.#saveTimer || this.delivered === this.#saved) return;
    this.#saveTimer = setTimeout(() => this.save(), this.#o.saveEveryMs ?? 100);
  }

  #idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  get running(): boolean {
    return this.#running;
  }
}

/** The channel's write buffer emptied, or the channel is gone. */
function drainOrClose(ch: ConfirmChannel): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      ch.removeListener('drain', done);
      ch.removeListener('close', done);
      resolve();
    };
    ch.once('drain', done);
    ch.once('close', done);
  });
}
