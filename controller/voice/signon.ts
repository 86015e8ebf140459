/**
 * Voice sign-on (CONTRACTS.md §3): operator id and PIN, checked against
 * `operators[].pin` or `operators[].pinHash` (`scrypt$<salt hex>$<hash hex>`).
 * Repeated wrong PINs slow that operator down: from the third failure on,
 * each next try must wait twice as long (1 s, 2 s, 4 s … up to 60 s);
 * a try inside the wait is refused without being checked. A right PIN
 * clears the count. The clock is injected so the rule is testable.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { PicklineError } from '../../config/errors.ts';
import type { OperatorConfig } from '../../config/schema.ts';

const FREE_TRIES = 2;
const BASE_WAIT_MS = 1000;
const MAX_WAIT_MS = 60_000;

/** `scrypt$<salt hex>$<hash hex>` for a PIN (what `pinHash` holds). */
export async function hashPin(pin: string, salt = randomBytes(16)): Promise<string> {
  const hash = await scryptAsync(pin, salt, 32);
  return `scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}

export class SignOn {
  readonly #operators: Map<string, OperatorConfig>;
  readonly #now: () => number;
  readonly #failures = new Map<string, { count: number; until: number }>();

  constructor(operators: readonly OperatorConfig[], now: () => number = Date.now) {
    this.#operators = new Map(operators.map((o) => [o.id, o]));
    this.#now = now;
  }

  /** Resolves when the PIN is right; VOICE_SIGNON_THROTTLED or VOICE_SIGNON_FAILED otherwise. */
  async check(operator: string, pin: string): Promise<void> {
    const f = this.#failures.get(operator);
    const wait = f ? f.until - this.#now() : 0;
    if (wait > 0)
      throw new PicklineError(
        'VOICE_SIGNON_THROTTLED',
        `too many wrong PINs for ${operator}: try again in ${Math.ceil(wait / 1000)} s`,
      );
    const o = this.#operators.get(operator);
    if (o && (await pinMatches(o, pin))) {
      this.#failures.delete(operator);
      return;
    }
    const count = (f?.count ?? 0) + 1;
    const delay =
      count <= FREE_TRIES ? 0 : Math.min(MAX_WAIT_MS, BASE_WAIT_MS * 2 ** (count - FREE_TRIES - 1));
    this.#failures.set(operator, { count, until: this.#now() + delay });
    throw new PicklineError('VOICE_SIGNON_FAILED', 'unknown operator or wrong PIN');
  }
}

async function pinMatches(o: OperatorConfig, pin: string): Promise<boolean> {
  if (o.pinHash !== undefined) {
    const [scheme, salt, hash] = o.pinHash.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const want = Buffer.from(hash, 'hex');
    if (want.length === 0) return false;
    const got = await scryptAsync(pin, Buffer.from(salt, 'hex'), want.length);
    return timingSafeEqual(got, want);
  }
  if (o.pin === undefined) return false;
  const d = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(d(o.pin), d(pin));
}

function scryptAsync(pin: string, salt: Buffer, len: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, len, (err, key) => (err ? reject(err) : resolve(key))),
  );
}
