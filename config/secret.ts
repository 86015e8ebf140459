/**
 * The one scrypt hash format of the site file, for device secrets
 * (`mqtt.modules[].secretHash`, `mqtt.scanners[].secretHash`) and operator PINs
 * (`operators[].pinHash`): `scrypt$<N>$<salt hex>$<hash hex>` (r=8, p=1).
 * The older PIN form without `<N>` (`scrypt$<salt>$<hash>`) means N=16384.
 * `bin/hash-secret.ts` writes it (`--pin` for a PIN), the voice and browser
 * sign-ons and the MQTT broker read it, and `check-config` refuses a hash that
 * is not in it (`hashProblem`). N is a power of two from 2^10 to 2^16, the salt
 * at least 8 bytes, the hash 16 to 64 bytes.
 *
 * Device secrets are machine-generated tokens of at least 16 characters, so
 * `hashSecret` uses N=1024: the hash keeps a leaked site file from revealing
 * them, and 5,000 modules logging in after a broker restart cost seconds, not
 * minutes. A PIN has only 10^4..10^8 values, so `hashPin` uses N=16384 (the
 * sign-ons throttle guessing; the hash slows an offline search of a leaked
 * file). Comparison is constant-time; a secret is never logged.
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const KEYLEN = 32;
const R = 8;
export const DEVICE_SCRYPT_N = 1024;
export const PIN_SCRYPT_N = 16384;
const MIN_N = 1 << 10;
const MAX_N = 1 << 16;
export const SECRET_HASH_PATTERN = '^scrypt\\$([0-9]+\\$)?[0-9a-f]+\\$[0-9a-f]+$';
export const SECRET_HASH_FORMAT = 'scrypt$<N>$<salt hex>$<hash hex>';

/** node refuses scrypt above 32 MiB by default; N=2^16 needs 64 MiB */
const maxmem = (n: number) => 2 * 128 * n * R;

export function hashSecret(secret: string, n = DEVICE_SCRYPT_N, salt = randomBytes(16)): string {
  const key = scryptSync(secret, salt, KEYLEN, { N: n, r: R, maxmem: maxmem(n) });
  return `scrypt$${n}$${salt.toString('hex')}$${key.toString('hex')}`;
}

/** The `pinHash` of a PIN, computed off the event loop. */
export function hashPin(pin: string, salt = randomBytes(16)): Promise<string> {
  const n = PIN_SCRYPT_N;
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, KEYLEN, { N: n, r: R, maxmem: maxmem(n) }, (err, key) =>
      err ? reject(err) : resolve(`scrypt$${n}$${salt.toString('hex')}$${key.toString('hex')}`),
    ),
  );
}

type Parsed = { n: number; salt: Buffer; key: Buffer };

function parse(stored: string): Parsed | string {
  const m = /^scrypt\$(?:([0-9]{1,7})\$)?([0-9a-f]*)\$([0-9a-f]*)$/.exec(stored);
  if (!m) return `is not a hash in the form ${SECRET_HASH_FORMAT} (lower-case hex)`;
  const n = m[1] ? Number(m[1]) : PIN_SCRYPT_N;
  if (n < MIN_N || n > MAX_N || (n & (n - 1)) !== 0)
    return `N=${m[1]} must be a power of two from ${MIN_N} to ${MAX_N}`;
  if (m[2].length % 2 !== 0 || m[2].length < 16) return 'the salt must be at least 8 bytes of hex';
  if (m[3].length % 2 !== 0 || m[3].length < 32 || m[3].length > 128)
    return 'the hash must be 16 to 64 bytes of hex';
  return { n, salt: Buffer.from(m[2], 'hex'), key: Buffer.from(m[3], 'hex') };
}

/** Why `stored` is not an accepted hash, or null when it is (check-config). */
export function hashProblem(stored: string): string | null {
  const p = parse(stored);
  return typeof p === 'string' ? p : null;
}

/** True when `secret` hashes to `stored`; false for a malformed `stored`. */
export function verifySecret(secret: string, stored: string): boolean {
  const p = parse(stored);
  if (typeof p === 'string') return false;
  const key = scryptSync(secret, p.salt, p.key.length, { N: p.n, r: R, maxmem: maxmem(p.n) });
  return timingSafeEqual(p.key, key);
}

/** `verifySecret` off the event loop (libuv pool), for logins and sign-ons. */
export function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  const p = parse(stored);
  if (typeof p === 'string') return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(secret, p.salt, p.key.length, { N: p.n, r: R, maxmem: maxmem(p.n) }, (err, key) =>
      resolve(!err && timingSafeEqual(p.key, key)),
    );
  });
}

/** A fast fingerprint of a secret already verified (a login cache); never stored on disk. */
export function fingerprint(secret: string, stored: string): string {
  return createHash('sha256').update(stored).update('\0').update(secret).digest('hex');
}

/** Constant-time comparison of two plain secrets of any length. */
export function equalSecrets(a: string, b: string): boolean {
  const d = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(d(a), d(b));
}
