import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, PicklineError, toError } from '../../kernel/errors.ts';

describe('error catalogue', () => {
  it('is documented code for code, with the same HTTP status, in docs/errors.md', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(Object.entries(ERRORS).map(([c, e]) => [c, e.status])),
    );
  });

  it('uses UPPER_SNAKE codes and serialises to the API error shape', () => {
    for (const code of Object.keys(ERRORS)) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    const e = new PicklineError('INVALID_WAVE', 'bad', [{ path: '/x', message: 'm' }]);
    expect(e.status).toBe(400);
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      error: { code: 'INVALID_WAVE', message: 'bad', details: [{ path: '/x', message: 'm' }] },
    });
  });

  it('turns thrown non-Errors (as modbus-serial throws) into Errors', () => {
    const e = toError({ message: 'Timed out', errno: 'ETIMEDOUT' });
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('Timed out');
    expect((e as Error & { errno: string }).errno).toBe('ETIMEDOUT');
    expect(toError('plain').message).toBe('plain');
  });
});
