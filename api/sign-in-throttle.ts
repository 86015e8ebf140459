/**
 * Failed browser sign-ins per client address (`request.ip`, so behind a
 * reverse proxy `api.trustProxy` decides which address counts): ten free
 * failures, then 1 s doubling to 60 s before the next try; forgotten after
 * 15 min without a try (controller/throttle.ts). And the log of them: one
 * summary line per burst (tries from one address less than `quietMs` apart),
 * written when the burst ends, every `everyMs` during a long one, and when the
 * API closes; never one line per try.
 */
import type { FastifyBaseLogger } from 'fastify';
import { Backoff } from '../controller/throttle.ts';

export const ADDRESS_BACKOFF = { freeTries: 10, baseMs: 1000, maxMs: 60_000, forgetMs: 900_000 };
const MAX_NAMES = 10;

interface Burst {
  firstAt: number;
  failed: number;
  refused: number;
  /** operator ids tried (the first few) */
  operators: Set<string>;
  tokens: number;
  timer: NodeJS.Timeout;
}

export class SignInThrottle {
  readonly addresses: Backoff;
  readonly #log: FastifyBaseLogger;
  readonly #now: () => number;
  readonly #quietMs: number;
  readonly #everyMs: number;
  readonly #bursts = new Map<string, Burst>();

  constructor(o: {
    log: FastifyBaseLogger;
    now?: () => number;
    /** a burst ends after this long without a failed or refused try (default 65 s) */
    quietMs?: number;
    /** a long burst is summarised at least this often (default 10 min) */
    everyMs?: number;
  }) {
    this.#log = o.log;
    this.#now = o.now ?? Date.now;
    this.#quietMs = o.quietMs ?? 65_000;
    this.#everyMs = o.everyMs ?? 600_000;
    this.addresses = new Backoff(ADDRESS_BACKOFF, this.#now);
  }

  /** A failed (`refused: false`) or throttled (`refused: true`) sign-in from `ip`. */
  note(ip: string, what: { refused: boolean; operator?: string }): void {
    let b = this.#bursts.get(ip);
    if (!b) {
      if (this.#bursts.size >= 10_000) this.#flushOldest();
      b = {
        firstAt: this.#now(),
        failed: 0,
        refused: 0,
        operators: new Set(),
        tokens: 0,
        timer: setTimeout(() => this.#flush(ip), this.#quietMs),
      };
      b.timer.unref();
      this.#bursts.set(ip, b);
    } else b.timer.refresh();
    if (what.refused) b.refused++;
    else b.failed++;
    if (what.operator === undefined) {
      if (!what.refused) b.tokens++;
    } else if (b.operators.size < MAX_NAMES) b.operators.add(what.operator);
    if (this.#now() - b.firstAt >= this.#everyMs) this.#flush(ip);
  }

  /** Writes every open burst (the API is closing). */
  close(): void {
    for (const ip of [...this.#bursts.keys()]) this.#flush(ip);
  }

  #flushOldest(): void {
    const ip = this.#bursts.keys().next().value;
    if (ip !== undefined) this.#flush(ip);
  }

  #flush(ip: string): void {
    const b = this.#bursts.get(ip);
    if (!b) return;
    clearTimeout(b.timer);
    this.#bursts.delete(ip);
    const line = {
      ip,
      failed: b.failed,
      refused: b.refused,
      operators: [...b.operators],
      tokens: b.tokens,
      since: new Date(b.firstAt).toISOString(),
      seconds: Math.round((this.#now() - b.firstAt) / 1000),
    };
    const msg = 'browser sign-in failures';
    if (b.refused > 0 || b.failed > ADDRESS_BACKOFF.freeTries) this.#log.warn(line, msg);
    else this.#log.info(line, msg);
  }
}
