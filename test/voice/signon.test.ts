import { describe, expect, it } from 'vitest';
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
