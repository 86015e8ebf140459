/** Pure parts of webhook delivery: the signature and the backoff schedule. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, signBody } from '../../controller/events/webhook-http.ts';

describe('signBody', () => {
  it('is HMAC-SHA256 in hex (RFC 4231 test case 2)', () => {
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('signs the UTF-8 bytes of the body', () => {
    const body = '{"sku":"Mütze"}';
    expect(signBody(body, 'k')).toBe(signBody(Buffer.from(body, 'utf8'), 'k'));
  });
});

describe('backoffDelay', () => {
  const policy = (r: number) => ({ initialMs: 500, maxMs: 60_000, random: () => r });

  it('doubles from 0.5 s, with jitter between half and all of the step', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy(1)))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy(0)))).toEqual([250, 500, 1000, 2000]);
  });

  it('never exceeds maxBackoffMs, however long the outage', () => {
    for (const n of [8, 9, 50, 1000, 1e9]) {
      expect(backoffDelay(n, policy(1))).toBe(60_000);
      expect(backoffDelay(n, policy(0))).toBe(30_000);
    }
  });
});
