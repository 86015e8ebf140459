/**
 * Webhook delivery of the outbox (CONTRACTS.md §1 "Events to the WMS"): one
 * signed POST per event, per webhook strictly in `seq` order, retried with
 * exponential backoff and jitter until a 2xx, at-least-once (receivers dedupe
 * by `eventId`). Each configured URL has its own loop and durable cursor, so a
 * WMS that is down holds back only its own deliveries; its events wait in the
 * outbox (SQLite), never in memory.
 *
 * Start position: a URL seen for the first time starts at the beginning of the
 * outbox (every event still stored), because a WMS integrator wants the whole
 * history; `newWebhookStart: 'latest'` starts it after the newest event
 * instead. A URL that was configured before resumes at its stored cursor.
 *
 * Backoff: 0.5 s doubling per failed attempt, capped at `maxBackoffMs`
 * (default 60 s), times a jitter factor in [0.5, 1]; a request times out
 * after `timeoutMs` (default 10 s).
 */
import pino, { type Logger } from 'pino';
import type { WebhookConfig } from '../../config/schema.ts';
import { PicklineError } from '../../kernel/errors.ts';
import pkg from '../../package.json' with { type: 'json' };
import type { Store } from '../store/db.ts';
import { httpPost, type PostFn } from './http-post.ts';
import type { Outbox } from './outbox.ts';
import { WebhookChannel } from './webhook-channel.ts';
import { WebhookCursors } from './webhook-cursors.ts';

export const WEBHOOK_DEFAULTS = {
  timeoutMs: 10_000,
  initialBackoffMs: 500,
  maxBackoffMs: 60_000,
  pageSize: 100,
  /** safety net for events appended by another process (onEvent wakes at once) */
  idlePollMs: 5_000,
} as const;

export interface WebhookDispatcherOptions {
  store: Store;
  outbox: Outbox;
  webhooks: WebhookConfig[];
  logger?: Logger;
  /** default: node:http with keep-alive (http-post.ts); tests may pass `fetch` or a fake */
  fetchImpl?: PostFn | typeof fetch;
  now?: () => number;
  random?: () => number;
  /** default `pickline/<package.json version>` */
  version?: string;
  /** where a URL without a stored cursor starts; default 'all' */
  newWebhookStart?: 'all' | 'latest';
  initialBackoffMs?: number;
  pageSize?: number;
  idlePollMs?: number;
  /** each 2xx: the webhook's URL (redacted as in status()) and the time from the event to its acknowledgement */
  onDelivered?: (url: string, latencyMs: number) => void;
}

export interface WebhookStatus {
  /** the configured URL, with any password replaced by `***` */
  url: string;
  /** every event with seq <= deliveredSeq was acknowledged (or filtered out) */
  deliveredSeq: number;
  /** events still to send (after the `types` filter); null while the store is closed */
  pending: number | null;
  /** failed attempts of the event in flight; 0 when healthy */
  attempts: number;
  lastError: string | null;
  /** ISO time of the next retry while backing off, else null */
  nextAttemptAt: string | null;
}

const SILENT = pino({ enabled: false });

export class WebhookDispatcher {
  readonly #o: WebhookDispatcherOptions;
  readonly #log: Logger;
  #channels: WebhookChannel[] = [];
  #loops: Promise<void>[] = [];
  #unsubscribe: (() => void) | null = null;
  #stopping: Promise<void> | null = null;
  readonly #progress = new Set<() => void>();

  constructor(opts: WebhookDispatcherOptions) {
    this.#o = opts;
    this.#log = (opts.logger ?? SILENT).child({ component: 'webhooks' });
  }

  get running(): boolean {
    return this.#unsubscribe !== null;
  }

  /** Reads the cursors, subscribes to the outbox and starts one loop per URL. */
  start(): void {
    if (this.running) return;
    const o = this.#o;
    const urls = o.webhooks.map((w) => w.url);
    const dup = urls.find((u, i) => urls.indexOf(u) !== i);
    if (dup) {
      throw new PicklineError('CONFIG_INVALID', 'webhooks: the same url is configured twice', [
        { path: `/webhooks/${urls.lastIndexOf(dup)}/url`, message: `duplicate url ${redact(dup)}` },
      ]);
    }
    const cursors = new WebhookCursors(o.store);
    const initialSeq = o.newWebhookStart === 'latest' ? o.outbox.lastSeq() : 0;
    const opened = o.webhooks.map((w) => cursors.open(w.url, initialSeq));
    this.#stopping = null;
    this.#channels = o.webhooks.map(
      (config) =>
        new WebhookChannel({
          config,
          outbox: o.outbox,
          cursors,
          fetchImpl: (o.fetchImpl as PostFn | undefined) ?? httpPost,
          now: o.now ?? Date.now,
          random: o.random ?? Math.random,
          logger: this.#log,
          userAgent: `pickline/${o.version ?? pkg.version}`,
          timeoutMs: config.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs,
          initialBackoffMs: o.initialBackoffMs ?? WEBHOOK_DEFAULTS.initialBackoffMs,
          maxBackoffMs: config.maxBackoffMs ?? WEBHOOK_DEFAULTS.maxBackoffMs,
          pageSize: o.pageSize ?? WEBHOOK_DEFAULTS.pageSize,
          idlePollMs: o.idlePollMs ?? WEBHOOK_DEFAULTS.idlePollMs,
          onProgress: () => this.#notify(),
          onDelivered: (url, ms) => o.onDelivered?.(redact(url), ms),
        }),
    );
    this.#unsubscribe = o.outbox.onEvent(() => {
      for (const c of this.#channels) c.wake();
    });
    this.#loops = this.#channels.map((c, i) => c.run(opened[i]));
    for (const [i, c] of this.#channels.entries()) {
      this.#log.info(
        { url: redact(c.url), deliveredSeq: opened[i].deliveredSeq, types: c.types ?? 'all' },
        'webhook started',
      );
    }
  }

  /** Idempotent: aborts requests in flight, clears every timer, awaits the loops. */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (!this.running) return Promise.resolve();
    this.#stopping = (async () => {
      this.#unsubscribe?.();
      for (const c of this.#channels) c.stop();
      await Promise.all(this.#loops);
      this.#unsubscribe = null;
      this.#loops = [];
      this.#notify();
    })();
    return this.#stopping;
  }

  status(): WebhookStatus[] {
    const cursors = new WebhookCursors(this.#o.store);
    return this.#channels.map((c) => {
      let pending: number | null = null;
      try {
        pending = cursors.pending(c.deliveredSeq, c.types);
      } catch {
        // store closed
      }
      return {
        url: redact(c.url),
        deliveredSeq: c.deliveredSeq,
        pending,
        attempts: c.attempts,
        lastError: c.lastError,
        nextAttemptAt: c.nextAttemptAt === null ? null : new Date(c.nextAttemptAt).toISOString(),
      };
    });
  }

  /**
   * Resolves once every webhook's cursor reached the outbox's newest event
   * (for tests, demos and a graceful shutdown); rejects after `timeoutMs`.
   */
  drained(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!this.running) return finish(new Error('webhook dispatcher is not running'));
        const last = this.#o.outbox.lastSeq();
        if (this.#channels.every((c) => c.deliveredSeq >= last)) finish();
      };
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.#progress.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        const behind = this.status().filter((s) => s.pending);
        finish(new Error(`webhooks not drained after ${timeoutMs} ms: ${JSON.stringify(behind)}`));
      }, timeoutMs);
      this.#progress.add(check);
      check();
    });
  }

  #notify(): void {
    for (const check of [...this.#progress]) check();
  }
}

/** Hides a password in the URL's userinfo (status and logs are not secret). */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
