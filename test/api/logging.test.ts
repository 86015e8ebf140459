/**
 * Logs a person can read (issue 7, item 11): the API's expected refusals (a
 * 4xx, a device that did not answer: 504) are one warning line without a
 * stack trace; only unexpected failures are errors with the stack.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { auth, type Harness, harness, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let h: Harness;
beforeEach(async () => {
  tmp = tempDir();
  h = await harness(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await h.close();
  tmp.remove();
});

describe('API error logging', () => {
  it('logs a 504 device timeout and a 404 as warnings without a stack, a crash as an error with one', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const app = await build({
      waves: h.waves,
      outbox: h.outbox,
      tokens: { technician: ['demo-technician-token'] },
      logger: pino({ level: 'info' }, sink),
      plugins: [
        (a) => {
          a.get('/identify', { config: { roles: ['technician'] } }, async () => {
            throw new PicklineError('DEVICE_TIMEOUT', 'module 5 did not answer within 500 ms');
          });
          a.get('/crash', { config: { roles: ['technician'] } }, async () => {
            throw new Error('boom');
          });
        },
      ],
    });
    try {
      const t = auth('technician');
      expect((await app.inject({ url: '/api/v1/identify', headers: t })).statusCode).toBe(504);
      expect((await app.inject({ url: '/api/v1/waves/NOPE', headers: t })).statusCode).toBe(404);
      expect((await app.inject({ url: '/api/v1/crash', headers: t })).statusCode).toBe(500);
    } finally {
      await app.close();
    }
    const [timeout, missing, crash] = lines.filter((l) => (l.level as number) >= 40);
    expect(timeout).toMatchObject({ level: 40, code: 'DEVICE_TIMEOUT', status: 504 });
    expect(timeout.msg).toBe('module 5 did not answer within 500 ms');
    expect(JSON.stringify(timeout)).not.toMatch(/stack/);
    expect(missing).toMatchObject({ level: 40, code: 'WAVE_NOT_FOUND', status: 404 });
    expect(JSON.stringify(missing)).not.toMatch(/stack/);
    expect(crash).toMatchObject({ level: 50, err: { message: 'boom', stack: expect.any(String) } });
  });
});
