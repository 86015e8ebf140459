/**
 * Hashed device secrets (`mqtt.modules[].secretHash`):
 * `scrypt$<N>$<salt hex>$<hash hex>` (r=8, p=1, 32-byte key); without `<N>`
 * (`scrypt$<salt>$<hash>`, the operator PIN form) N is 16384. Device secrets
 * are machine-generated tokens of at least 16 characters, so `hashSecret`
 * uses N=1024: the hash keeps a leaked site file from revealing them, and
 * 5,000 modules logging in after a broker restart cost seconds, not minutes.
 * Comparison is constant-time; a secret is never logged.
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const KEYLEN = 32;
export const DEVICE_SCRYPT_N = 1024;
export const SECRET_HASH_PATTERN = '^scrypt\\$([0-9]+\\$)?[0-9a-f]+\\$[0-9a-f]+$';

export function hashSecret(secret: string, n = DEVICE_SCRYPT_N, salt = randomBytes(16)): string {
  const key = scryptSync(secret, salt, KEYLEN, { N: n });
  return `scrypt$${n}$${salt.toString('hex')}$${key.toString('hex')}`;
}

function parse(stored: string): { n: number; salt: Buffer; key: Buffer } | null {
  const m = /^scrypt\$(?:([0-9]+)\$)?([0-9a-f]+)\$([0-9a-f]+)$/.exec(stored);
  if (!m) return null;
  const n = m[1] ? Number(m[1]) : 16384;
  // a power of two the KDF accepts; anything else is a malformed hash
  if (n < 2 || n > 1 << 20 || (n & (n - 1)) !== 0) return null;
  const key = Buffer.from(m[3], 'hex');
  return key.length > 0 ? { n, salt: Buffer.from(m[2], 'hex'), key } : null;
}

/** True when `secret` hashes to `stored`; false for a malformed `stored`. */
export function verifySecret(secret: string, stored: string): boolean {
  const p = parse(stored);
  if (!p) return false;
  return timingSafeEqual(p.key, scryptSync(secret, p.salt, p.key.length, { N: p.n }));
}

/** `verifySecret` off the event loop (libuv pool), for a broker's login handler. */
export function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  const p = parse(stored);
  if (!p) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(secret, p.salt, p.key.length, { N: p.n }, (err, key) =>
      resolve(!err && timingSafeEqual(p.key, key)),
    );
  });
}

/** A fast fingerprint of a secret already verified (a login cache); never stored on disk. */
export function fingerprint(secret: string, stored: string): string {
  return createHash('sha256').update(stored).update('\0').update(secret).digest('hex');
}
