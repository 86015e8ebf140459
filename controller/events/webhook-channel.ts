/**
 * The delivery loop of one webhook URL (CONTRACTS.md §1 "Events to the WMS").
 *
 * Ordering: strictly by `seq`; event n+1 is sent only after event n got a 2xx
 * (or was skipped by the `types` filter). Retries: network errors, timeouts and
 * non-2xx are retried with `backoffDelay` until a 2xx; new events never cut a
 * backoff short. Memory: the backlog is read from SQLite one page at a time.
 * Durability: while draining a backlog the cursor is written at most every
 * `cursorSaveMs` (default 100 ms), not after each 2xx (one fsync per event
 * capped delivery at ~500 events/s); once caught up, and when the loop ends,
 * it is written at once. After a crash, the events acknowledged in the last
 * `cursorSaveMs` before it are sent again (receivers dedupe by `eventId`,
 * CONTRACTS.md §1).
 *
 * Batch mode (`batchSize`, docs/contract-extensions.md): up to `batchSize`
 * events per POST as a JSON array in seq order, one signature over the raw
 * body, `X-Pickline-Seq-First` / `X-Pickline-Seq-Last`; a 2xx acknowledges
 * the whole batch, anything else retries the whole batch.
 */
import type { Logger } from 'pino';
import type { WebhookConfig } from '../../config/schema.ts';
import type { PostFn } from './http-post.ts';
import type { Outbox, PicklineEvent } from './outbox.ts';
import type { WebhookCursors } from './webhook-cursors.ts';
import {
  backoffDelay,
  batchBody,
  batchHeaders,
  eventBody,
  eventHeaders,
  postEvent,
} from './webhook-http.ts';

export interface ChannelDeps {
  config: WebhookConfig;
  outbox: Outbox;
  cursors: WebhookCursors;
  fetchImpl: PostFn;
  now: () => number;
  random: () => number;
  logger: Logger;
  userAgent: string;
  timeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  pageSize: number;
  idlePollMs: number;
  /** cursor writes are grouped: at most one per this many ms (default 100) */
  cursorSaveMs?: number;
  /** called whenever the cursor moved */
  onProgress: () => void;
  /** called on each 2xx with the time from the event to its acknowledgement (metrics) */
  onDelivered?: (url: string, latencyMs: number) => void;
}

export class WebhookChannel {
  readonly url: string;
  deliveredSeq = 0;
  /** failed attempts of the event in flight (0 after a 2xx) */
  attempts = 0;
  lastError: string | null = null;
  nextAttemptAt: number | null = null;
  readonly #d: ChannelDeps;
  readonly #types: ReadonlySet<string> | null;
  #stopped = false;
  #inflight: AbortController | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** ends the current wait of either kind */
  #endWait: (() => void) | null = null;
  /** ends the current wait only if it is an idle wait */
  #wake: (() => void) | null = null;
  /** delivered or skipped events not yet written to the cursor row */
  #unsavedSeq = 0;
  #saveTimer: NodeJS.Timeout | null = null;
  readonly #batch: number;

  constructor(d: ChannelDeps) {
    this.#d = d;
    this.url = d.config.url;
    this.#types = d.config.types ? new Set(d.config.types) : null;
    this.#batch = d.config.batchSize ?? 0;
  }

  get types(): readonly string[] | null {
    return this.#types ? [...this.#types] : null;
  }

  /** Runs until stop(); never rejects. */
  async run(initial: { deliveredSeq: number; attempts: number }): Promise<void> {
    this.deliveredSeq = initial.deliveredSeq;
    this.attempts = initial.attempts;
    while (!this.#stopped) {
      let page: PicklineEvent[];
      try {
        page = this.#d.outbox.read(this.deliveredSeq, Math.max(this.#d.pageSize, this.#batch));
      } catch (e) {
        await this.#failed(`store: ${(e as Error).message}`);
        continue;
      }
      if (page.length === 0) {
        // read() and the wait start in the same tick: no wake-up is lost.
        await this.#pause(this.#d.idlePollMs, true);
        continue;
      }
      if (this.#batch > 0) {
        await this.#deliverPage(page);
        continue;
      }
      for (const e of page) {
        if (this.#stopped) break;
        if (this.#types && !this.#types.has(e.type)) {
          this.#moved(e.seq);
          this.#d.onProgress();
          continue;
        }
        await this.#deliver(e);
      }
    }
    this.#saveCursor();
  }

  /** A new event was committed: end an idle wait (never a backoff). */
  wake(): void {
    this.#wake?.();
  }

  /** Aborts the request in flight and ends every wait. */
  stop(): void {
    this.#stopped = true;
    this.#inflight?.abort(new Error('dispatcher stopping'));
    this.#endPause();
  }

  /** Batch mode: the page's events this webhook takes, up to batchSize, in one POST. */
  async #deliverPage(page: PicklineEvent[]): Promise<void> {
    const chosen = page
      .filter((e) => !this.#types || this.#types.has(e.type))
      .slice(0, this.#batch);
    if (chosen.length === 0) {
      this.#moved(page[page.length - 1].seq); // nothing for this webhook here
      this.#d.onProgress();
      return;
    }
    const body = batchBody(chosen);
    const headers = batchHeaders(chosen, body, this.#d.config.secret, this.#d.userAgent);
    await this.#post(chosen[chosen.length - 1], body, headers, chosen);
  }

  async #deliver(e: PicklineEvent): Promise<void> {
    const body = eventBody(e);
    const headers = eventHeaders(e, body, this.#d.config.secret, this.#d.userAgent);
    await this.#post(e, body, headers, [e]);
  }

  /** POSTs until a 2xx (then `last` and everything before it is delivered) or stop. */
  async #post(
    last: PicklineEvent,
    body: string,
    headers: Record<string, string>,
    events: PicklineEvent[],
  ): Promise<void> {
    while (!this.#stopped) {
      const abort = new AbortController();
      this.#inflight = abort;
      const r = await postEvent({
        fetchImpl: this.#d.fetchImpl,
        url: this.url,
        headers,
        body,
        timeoutMs: this.#d.timeoutMs,
        abort,
      });
      this.#inflight = null;
      if (r.ok) {
        this.#acknowledged(last, r.status, events);
        return;
      }
      if (this.#stopped) return;
      await this.#failed(r.error, last);
    }
  }

  #acknowledged(e: PicklineEvent, status: number, events: PicklineEvent[]): void {
    if (this.attempts > 0) {
      this.#d.logger.info(
        { url: this.url, seq: e.seq, eventId: e.eventId, status, failedAttempts: this.attempts },
        'webhook delivered after retries',
      );
    }
    const hadFailed = this.attempts > 0;
    this.attempts = 0;
    this.lastError = null;
    this.nextAttemptAt = null;
    this.#moved(e.seq);
    // after a failure the row says so: clear it at once, not at the next grouped write
    if (hadFailed) this.#saveCursor();
    const now = this.#d.now();
    for (const x of events) this.#d.onDelivered?.(this.url, now - Date.parse(x.occurredAt));
    this.#d.onProgress();
  }

  /** The cursor moved (delivered or skipped); written grouped (see the header). */
  #moved(seq: number): void {
    this.deliveredSeq = seq;
    this.#unsavedSeq = seq;
    // caught up (the usual case outside a backlog): write now, nothing to group with
    if (this.#caughtUp(seq)) {
      this.#saveCursor();
      return;
    }
    if (this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => this.#saveCursor(), this.#d.cursorSaveMs ?? 100);
  }

  async #failed(error: string, e?: PicklineEvent): Promise<void> {
    this.attempts += 1;
    this.lastError = error;
    const delay = backoffDelay(this.attempts, {
      initialMs: this.#d.initialBackoffMs,
      maxMs: this.#d.maxBackoffMs,
      random: this.#d.random,
    });
    this.nextAttemptAt = this.#d.now() + delay;
    const log = {
      url: this.url,
      seq: e?.seq,
      eventId: e?.eventId,
      attempts: this.attempts,
      retryInMs: delay,
      error,
    };
    // Warn once per outage, then only at powers of two: an hour down is ~70 attempts.
    if ((this.attempts & (this.attempts - 1)) === 0)
      this.#d.logger.warn(log, 'webhook delivery failed');
    else this.#d.logger.debug(log, 'webhook delivery failed');
    try {
      this.#d.cursors.failed(
        this.url,
        this.attempts,
        error,
        new Date(this.nextAttemptAt).toISOString(),
      );
    } catch {
      // store closed: the state is still visible in status()
    }
    await this.#pause(delay, false);
  }

  #caughtUp(seq: number): boolean {
    try {
      return seq >= this.#d.outbox.lastSeq();
    } catch {
      return false;
    }
  }

  #saveCursor(): void {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    if (!this.#unsavedSeq) return;
    try {
      this.#d.cursors.delivered(this.url, this.#unsavedSeq);
      this.#unsavedSeq = 0;
    } catch (err) {
      // The store is closing: these events are sent again after a restart.
      this.#d.logger.warn(
        { url: this.url, seq: this.#unsavedSeq, err },
        'webhook cursor not saved',
      );
    }
  }

  #pause(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = null;
        this.#wake = null;
        this.#endWait = null;
        resolve();
      };
      this.#timer = setTimeout(done, ms);
      this.#endWait = done;
      if (wakeable) this.#wake = done;
    });
  }

  #endPause(): void {
    this.#endWait?.();
  }
}
