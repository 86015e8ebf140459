/**
 * The delivery loop of one webhook URL (CONTRACTS.md §1 "Events to the WMS").
 *
 * Ordering: strictly by `seq`; event n+1 is sent only after event n got a 2xx
 * (or was skipped by the `types` filter). Retries: network errors, timeouts and
 * non-2xx are retried with `backoffDelay` until a 2xx; new events never cut a
 * backoff short. Memory: the backlog is read from SQLite one page at a time.
 * Durability: the cursor is written after each 2xx (see webhook-cursors.ts).
 */
import type { Logger } from 'pino';
import type { WebhookConfig } from '../../config/schema.ts';
import type { Outbox, PicklineEvent } from './outbox.ts';
import type { WebhookCursors } from './webhook-cursors.ts';
import { backoffDelay, eventBody, eventHeaders, postEvent } from './webhook-http.ts';

export interface ChannelDeps {
  config: WebhookConfig;
  outbox: Outbox;
  cursors: WebhookCursors;
  fetchImpl: typeof fetch;
  now: () => number;
  random: () => number;
  logger: Logger;
  userAgent: string;
  timeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  pageSize: number;
  idlePollMs: number;
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
  /** skipped events not yet written to the cursor row */
  #unsavedSeq = 0;

  constructor(d: ChannelDeps) {
    this.#d = d;
    this.url = d.config.url;
    this.#types = d.config.types ? new Set(d.config.types) : null;
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
        page = this.#d.outbox.read(this.deliveredSeq, this.#d.pageSize);
      } catch (e) {
        await this.#failed(`store: ${(e as Error).message}`);
        continue;
      }
      if (page.length === 0) {
        // read() and the wait start in the same tick: no wake-up is lost.
        await this.#pause(this.#d.idlePollMs, true);
        continue;
      }
      for (const e of page) {
        if (this.#stopped) break;
        if (this.#types && !this.#types.has(e.type)) {
          this.deliveredSeq = e.seq;
          this.#unsavedSeq = e.seq;
          this.#d.onProgress();
          continue;
        }
        await this.#deliver(e);
      }
      this.#saveSkipped();
    }
    this.#saveSkipped();
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

  async #deliver(e: PicklineEvent): Promise<void> {
    const body = eventBody(e);
    const headers = eventHeaders(e, body, this.#d.config.secret, this.#d.userAgent);
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
        this.#acknowledged(e, r.status);
        return;
      }
      if (this.#stopped) return;
      await this.#failed(r.error, e);
    }
  }

  #acknowledged(e: PicklineEvent, status: number): void {
    if (this.attempts > 0) {
      this.#d.logger.info(
        { url: this.url, seq: e.seq, eventId: e.eventId, status, failedAttempts: this.attempts },
        'webhook delivered after retries',
      );
    }
    this.deliveredSeq = e.seq;
    this.#unsavedSeq = 0;
    this.attempts = 0;
    this.lastError = null;
    this.nextAttemptAt = null;
    try {
      this.#d.cursors.delivered(this.url, e.seq);
    } catch (err) {
      // The store is closing: at most this event is re-sent after a restart.
      this.#d.logger.warn({ url: this.url, seq: e.seq, err }, 'webhook cursor not saved');
    }
    this.#d.onDelivered?.(this.url, this.#d.now() - Date.parse(e.occurredAt));
    this.#d.onProgress();
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

  #saveSkipped(): void {
    if (!this.#unsavedSeq) return;
    try {
      this.#d.cursors.delivered(this.url, this.#unsavedSeq);
      this.#unsavedSeq = 0;
    } catch {
      // skipped events are skipped again after a restart: harmless
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
