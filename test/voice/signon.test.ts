import { describe, expect, it } from 'vitest';
import { Backoff } from '../../controller/throttle.ts';
import { hashPin, SignOn } from '../../controller/voice/signon.ts';

describe('voice sign-on', () => {
  it('checks a plain pin or a scrypt pinHash; never says which part was wrong', async () => {
    const s = new SignOn([
      { id: 'plain', pin: '1234' },
      { id: 'hashed', pinHash: await hashPin('5678') },
    ]);
    await expect(s.check('plain', '1234')).resolves.toBeUndefined();
    await expect(s.check('hashed', '5678')).resolves.toBeUndefined();
    for (const [op, pin] of [
      ['hashed', '1234'],
      ['plain', '12345'],
      ['nobody', '1234'],
    ])
      await expect(s.check(op, pin)).rejects.toMatchObject({
        code: 'VOICE_SIGNON_FAILED',
        message: 'unknown operator or wrong PIN',
      });
  });

  it('repeated wrong PINs slow that operator down (doubling waits), not the others; a right PIN clears it', async () => {
    let now = 0;
    const s = new SignOn(
      [
        { id: 'a', pin: '1111' },
        { id: 'b', pin: '2222' },
      ],
      () => now,
    );
    const wrong = () =>
      expect(s.check('a', '0000')).rejects.toMatchObject({ code: 'VOICE_SIGNON_FAILED' });
    const throttled = () =>
      expect(s.check('a', '1111')).rejects.toMatchObject({ code: 'VOICE_SIGNON_THROTTLED' });
    await wrong();
    await wrong();
    await wrong(); // third: 1 s wait from now on
    await throttled();
    await expect(s.check('b', '2222')).resolves.toBeUndefined();
    now += 1000;
    await wrong(); // fourth: 2 s
    now += 1999;
    await throttled();
    now += 1;
    await expect(s.check('a', '1111')).resolves.toBeUndefined();
    await wrong();
    await wrong();
    await expect(s.check('a', '1111')).resolves.toBeUndefined();
  });
});

describe('Backoff (controller/throttle.ts)', () => {
  const rule = { freeTries: 2, baseMs: 1000, maxMs: 4000, forgetMs: 60_000, maxKeys: 100 };

  it('counts tries in flight, caps the wait, and release gives back one try without a wait', () => {
    let now = 0;
    const b = new Backoff(rule, () => now);
    expect([b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 0]); // third sets 1 s
    expect(b.take('k')).toBe(1000);
    for (const wait of [2000, 4000, 4000]) {
      now += b.wait('k');
      expect(b.take('k')).toBe(0);
      expect(b.wait('k')).toBe(wait);
    }
    b.release('k');
    expect(b.wait('k')).toBe(0);
    expect(b.take('k')).toBe(0); // the fifth again: capped at 4 s
    expect(b.wait('k')).toBe(4000);
  });

  it('forgets a key after forgetMs without a try, and keeps at most maxKeys keys', () => {
    let now = 0;
    const b = new Backoff(rule, () => now);
    for (let i = 0; i < 5; i++) b.take('k'); // three taken, two refused
    now += 59_999;
    expect(b.take('k')).toBe(0);
    expect(b.wait('k')).toBe(2000); // the fourth: still counted
    now += 64_000;
    expect(b.wait('k')).toBe(0);
    expect(b.take('k')).toBe(0);
    expect(b.wait('k')).toBe(0); // a first try again
    for (let i = 0; i < 1000; i++) b.take(`made-up-${i}`);
    expect(b.size).toBe(100);
  });
});
