/**
 * Operator sign-on with id and PIN, at a voice terminal (CONTRACTS.md §3) and
 * at the browser sign-in (`POST /ui/session`): checked against
 * `operators[].pin` or `operators[].pinHash` (config/secret.ts, the format
 * `bin/hash-secret.ts --pin` writes). Repeated wrong PINs slow that operator
 * down on both channels together: from the third failure on, each next try
 * must wait twice as long (1 s, 2 s, 4 s … up to 60 s); a try inside the wait
 * is refused without being checked, and tries in flight count (controller/
 * throttle.ts). A right PIN clears the count. The clock is injected so the
 * rule is testable.
 */

import type { OperatorConfig } from '../../config/schema.ts';
import { equalSecrets, verifySecretAsync } from '../../config/secret.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { Backoff } from '../throttle.ts';

export { hashPin } from '../../config/secret.ts';

/** Per operator: two free tries, then 1 s doubling to 60 s; forgotten after 15 min without a try. */
export const OPERATOR_BACKOFF = { freeTries: 2, baseMs: 1000, maxMs: 60_000, forgetMs: 900_000 };

export type SignOnResult = { ok: true } | { ok: false; waitMs: number };

export class SignOn {
  readonly #operators: Map<string, OperatorConfig>;
  readonly #backoff: Backoff;

  constructor(operators: readonly OperatorConfig[], now: () => number = Date.now) {
    this.#operators = new Map(operators.map((o) => [o.id, o]));
    this.#backoff = new Backoff(OPERATOR_BACKOFF, now);
  }

  /** `{ok: true}` for the right PIN; `waitMs` > 0: refused unchecked (throttled); 0: wrong. */
  async attempt(operator: string, pin: string): Promise<SignOnResult> {
    const wait = this.#backoff.take(operator);
    if (wait > 0) return { ok: false, waitMs: wait };
    const o = this.#operators.get(operator);
    if (o && (await pinMatches(o, pin))) {
      this.#backoff.clear(operator);
      return { ok: true };
    }
    return { ok: false, waitMs: 0 };
  }

  /** Resolves when the PIN is right; VOICE_SIGNON_THROTTLED or VOICE_SIGNON_FAILED otherwise. */
  async check(operator: string, pin: string): Promise<void> {
    const r = await this.attempt(operator, pin);
    if (r.ok) return;
    if (r.waitMs > 0)
      throw new PicklineError(
        'VOICE_SIGNON_THROTTLED',
        `too many wrong PINs for ${operator}: try again in ${Math.ceil(r.waitMs / 1000)} s`,
      );
    throw new PicklineError('VOICE_SIGNON_FAILED', 'unknown operator or wrong PIN');
  }
}

function pinMatches(o: OperatorConfig, pin: string): Promise<boolean> | boolean {
  if (o.pinHash !== undefined) return verifySecretAsync(pin, o.pinHash);
  return o.pin !== undefined && equalSecrets(o.pin, pin);
}
