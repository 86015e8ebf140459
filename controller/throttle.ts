/**
 * Doubling waits after repeated failures, per key (an operator, a client
 * address). A try is taken before it is checked (`take`), so tries sent in
 * parallel count as they arrive, not when their slow check ends: after
 * `freeTries` tries each next one must wait twice as long as the previous
 * (`baseMs`, 2×, 4× … up to `maxMs`); a try inside the wait is refused
 * unchecked. `clear` forgets a key (a right PIN clears that operator);
 * `release` gives back a try that was not a failure without erasing the
 * history (a right PIN from an address that guessed before). A key is
 * forgotten `forgetMs` after its last try once its wait is over; at most
 * `maxKeys` keys are kept (the oldest go first), so a flood of made-up keys
 * costs bounded memory. The clock is injected so the rule is testable.
 */

export interface BackoffRule {
  freeTries: number;
  baseMs: number;
  maxMs: number;
  /** a key with no try for this long (and no wait left) starts again at zero */
  forgetMs: number;
  maxKeys?: number;
}

interface Entry {
  count: number;
  until: number;
  last: number;
}

export class Backoff {
  readonly #rule: Required<BackoffRule>;
  readonly #now: () => number;
  readonly #keys = new Map<string, Entry>();

  constructor(rule: BackoffRule, now: () => number = Date.now) {
    this.#rule = { maxKeys: 10_000, ...rule };
    this.#now = now;
  }

  /** Milliseconds before `key` may try again (0: now). */
  wait(key: string): number {
    const e = this.#entry(key);
    return e ? Math.max(0, e.until - this.#now()) : 0;
  }

  /** Takes a try for `key`: 0 when it may go ahead (counted as a failure until released or cleared), else the wait in ms. */
  take(key: string): number {
    const wait = this.wait(key);
    if (wait > 0) return wait;
    const now = this.#now();
    const count = (this.#keys.get(key)?.count ?? 0) + 1;
    const { freeTries, baseMs, maxMs } = this.#rule;
    const delay = count <= freeTries ? 0 : Math.min(maxMs, baseMs * 2 ** (count - freeTries - 1));
    this.#keys.delete(key); // re-inserted last: the map stays in order of last use
    this.#keys.set(key, { count, until: now + delay, last: now });
    if (this.#keys.size > this.#rule.maxKeys) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    return 0;
  }

  /** The try taken was not a failure: the count goes back by one and no wait is left. */
  release(key: string): void {
    const e = this.#keys.get(key);
    if (!e) return;
    e.count = Math.max(0, e.count - 1);
    e.until = 0;
    if (e.count === 0) this.#keys.delete(key);
  }

  clear(key: string): void {
    this.#keys.delete(key);
  }

  get size(): number {
    return this.#keys.size;
  }

  #entry(key: string): Entry | undefined {
    const e = this.#keys.get(key);
    if (!e) return undefined;
    const now = this.#now();
    if (now >= e.until && now - e.last >= this.#rule.forgetMs) {
      this.#keys.delete(key);
      return undefined;
    }
    return e;
  }
}
