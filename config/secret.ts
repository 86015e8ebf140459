/**
 * Hashed device secrets: `scrypt$<salt hex>$<hash hex>` (N=16384, r=8, p=1,
 * 32-byte key), the format of `mqtt.modules[].secretHash`. Comparison is
 * constant-time; a secret is never logged.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const KEYLEN = 32;

export function hashSecret(secret: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt$${salt.toString('hex')}$${scryptSync(secret, salt, KEYLEN).toString('hex')}`;
}

/** True when `secret` hashes to `stored`; false for a malformed `stored`. */
export function verifySecret(secret: string, stored: string): boolean {
  const m = /^scrypt\$([0-9a-f]+)\$([0-9a-f]+)$/.exec(stored);
  if (!m) return false;
  const want = Buffer.from(m[2], 'hex');
  const got = scryptSync(secret, Buffer.from(m[1], 'hex'), want.length || KEYLEN);
  return want.length > 0 && timingSafeEqual(want, got);
}
