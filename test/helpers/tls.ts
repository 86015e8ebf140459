/**
 * A self-signed certificate for 127.0.0.1 made by Debian openssl, for the
 * HTTPS tests (`api.tls`). Missing openssl: under CI=true it throws naming the
 * Debian package; elsewhere `opensslAvailable()` is false (with a warning)
 * and the tests skip.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSL_MISSING = 'install Debian package openssl';

export function opensslAvailable(env: NodeJS.ProcessEnv = process.env, bin = 'openssl'): boolean {
  const r = spawnSync(bin, ['version'], { stdio: 'ignore' });
  if (!r.error && r.status === 0) return true;
  if (env.CI === 'true') throw new Error(`openssl not found: ${OPENSSL_MISSING}`);
  console.warn(`skipping TLS tests: openssl not found (${OPENSSL_MISSING})`);
  return false;
}

/** Writes `cert.pem` and `key.pem` (EC P-256, CN and SAN 127.0.0.1, 1 day) into `dir`. */
export function selfSignedCert(dir: string): { cert: string; key: string; ca: Buffer } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr || r.error?.message}`);
  return { cert, key, ca: readFileSync(cert) };
}
