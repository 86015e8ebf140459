/**
 * One hash format for PINs and device secrets (issue 16, items 3 and 13):
 * `bin/hash-secret.ts --pin` makes a `pinHash` the sign-on reads, and
 * check-config refuses a `pinHash` or `secretHash` that is not in the
 * accepted format (before, any string was taken and never matched).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../config/load.ts';
import { hashProblem, hashSecret, verifySecret } from '../../config/secret.ts';
import { SignOn } from '../../controller/voice/signon.ts';
import { PicklineError } from '../../kernel/errors.ts';

const hashTool = (input: string, args: string[] = []) =>
  spawnSync(process.execPath, ['bin/run-ts.js', 'bin/hash-secret.ts', ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });

const S = 'sixteen-char-secret';

function site(operator: Record<string, unknown>, secretHash = hashSecret(S)) {
  return {
    site: 'T',
    api: { port: 0, tokens: {} },
    storage: { path: ':memory:' },
    mqtt: {
      embedded: { host: '127.0.0.1', port: 0 },
      modules: [{ id: 'ptl-1', secretHash }],
    },
    buses: [{ id: 'mq', transport: 'mqtt' }],
    operators: [{ id: 'op1', ...operator }],
    zones: [{ id: 'A', mode: 'pick', locations: [{ id: 'A-1', bus: 'mq', address: 'ptl-1' }] }],
  };
}

function problems(raw: object): string[] {
  try {
    checkConfig(raw);
  } catch (e) {
    if (e instanceof PicklineError) return e.details.map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
  return [];
}

describe('bin/hash-secret.ts --pin', () => {
  it('prints a pinHash that check-config accepts and the sign-on reads', async () => {
    const r = hashTool('4321\n', ['--pin']);
    expect(r.status, r.stderr).toBe(0);
    const pinHash = r.stdout.trim();
    expect(pinHash).toMatch(/^scrypt\$16384\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(problems(site({ pinHash }))).toEqual([]);
    const s = new SignOn([{ id: 'op1', pinHash }]);
    await expect(s.check('op1', '4321')).resolves.toBeUndefined();
    await expect(s.check('op1', '1234')).rejects.toMatchObject({ code: 'VOICE_SIGNON_FAILED' });
  }, 60_000);

  it('refuses a PIN that is not 4 to 8 digits, and arguments, with exit 2', () => {
    for (const pin of ['12', '123456789', 'abcd'])
      expect(hashTool(`${pin}\n`, ['--pin']).status, pin).toBe(2);
    expect(hashTool('4321\n', ['4321']).status).toBe(2);
  }, 90_000);

  it('hashes a device secret (no --pin) into a secretHash the broker verifies', () => {
    const h = execFileSync(process.execPath, ['bin/run-ts.js', 'bin/hash-secret.ts'], {
      input: `${S}\n`,
      encoding: 'utf8',
    }).trim();
    expect(verifySecret(S, h)).toBe(true);
    expect(problems(site({ pin: '1234' }, h))).toEqual([]);
  }, 60_000);
});

describe('check-config and hashes', () => {
  const good = hashSecret('4321', 16384);
  const [, , salt, key] = good.split('$');
  const bad: [string, RegExp][] = [
    ['4321', /is not a hash in the form scrypt\$<N>\$<salt hex>\$<hash hex>/],
    [`scrypt$1000$${salt}$${key}`, /N=1000 must be a power of two/],
    [`scrypt$2$${salt}$${key}`, /N=2 must be a power of two from 1024 to 65536/],
    [`scrypt$16384$abcd$${key}`, /salt must be at least 8 bytes/],
    [`scrypt$16384$${salt}$abcdef`, /hash must be 16 to 64 bytes/],
    [`scrypt$16384$${salt.toUpperCase()}$${key}`, /is not a hash in the form/],
  ];

  it('accepts the format with N and the older PIN form without it', () => {
    expect(hashProblem(good)).toBeNull();
    expect(hashProblem(good.replace('scrypt$16384$', 'scrypt$'))).toBeNull();
    expect(problems(site({ pinHash: good.replace('scrypt$16384$', 'scrypt$') }))).toEqual([]);
  });

  it('refuses a pinHash not in the format, naming the tool', () => {
    for (const [h, why] of bad) {
      const p = problems(site({ pinHash: h }));
      expect(p, h).toHaveLength(1);
      expect(p[0], h).toMatch(/^operators\[0\]\.pinHash: /);
      expect(p[0], h).toMatch(why);
      expect(p[0], h).toMatch(/bin\/hash-secret\.ts/);
    }
  });

  it('refuses a secretHash not in the format, once per problem', () => {
    for (const [h] of bad) {
      const p = problems(site({ pin: '1234' }, h));
      expect(p, h).toHaveLength(1);
      expect(p[0], h).toMatch(/^mqtt\.modules\[0\]\.secretHash: /);
    }
  });
});
