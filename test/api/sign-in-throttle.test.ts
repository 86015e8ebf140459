/**
 * PIN guessing at the browser sign-in (issue 16, item 3): operators sign in
 * with id and PIN; failed sign-ins are throttled per client address and PIN
 * failures also per operator, shared with the voice terminals: 429
 * TOO_MANY_ATTEMPTS with Retry-After, the try not checked. Tries sent in
 * parallel count as they arrive. One summary log line per burst.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { Sessions } from '../../api/session.ts';
import type { OperatorConfig } from '../../config/schema.ts';
import { hashPin, hashSecret } from '../../config/secret.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { Store } from '../../controller/store/db.ts';
import { SignOn } from '../../controller/voice/signon.ts';
import type { WaveService } from '../../controller/waves/service.ts';
import { TOKENS } from '../helpers/harness.ts';

const OPERATORS: OperatorConfig[] = [
  { id: 'jdoe', pin: '1234' },
  { id: 'asmith', pin: '5678' },
];

let app: FastifyInstance | undefined;
let store: Store | undefined;
afterEach(async () => {
  await app?.close();
  store?.stop();
  app = undefined;
});

async function makeApp(
  o: {
    operators?: OperatorConfig[];
    now?: () => number;
    signOn?: SignOn;
    lines?: Record<string, unknown>[];
    burstQuietMs?: number;
  } = {},
) {
  store = new Store(':memory:');
  store.start();
  const sink = new Writable({
    write(chunk, _enc, done) {
      o.lines?.push(JSON.parse(String(chunk)));
      done();
    },
  });
  app = await build({
    waves: {} as WaveService,
    outbox: new Outbox(store),
    tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    logger: o.lines ? pino({ level: 'info' }, sink) : false,
    ui: {
      sessions: new Sessions(),
      operators: o.operators ?? OPERATORS,
      signOn: o.signOn,
      now: o.now,
      burstQuietMs: o.burstQuietMs,
    },
  });
  return app;
}

const post = (a: FastifyInstance, payload: object, remoteAddress = '10.0.0.1') =>
  a.inject({ method: 'POST', url: '/ui/session', payload, remoteAddress });

describe('browser sign-in throttle', () => {
  it('200 PIN guesses in parallel check at most three, and the right PIN among them does not get in', async () => {
    const a = await makeApp();
    const guesses = Array.from({ length: 200 }, (_, i) => String(1100 + i).padStart(4, '0'));
    expect(guesses).toContain('1234');
    const rs = await Promise.all(guesses.map((pin) => post(a, { operator: 'jdoe', pin })));
    const by = (s: number) => rs.filter((r) => r.statusCode === s);
    expect(by(200)).toEqual([]);
    expect(by(401).length).toBeLessThanOrEqual(3);
    expect(by(429).length).toBeGreaterThanOrEqual(197);
    for (const r of by(429)) {
      expect(r.json().error.code).toBe('TOO_MANY_ATTEMPTS');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it('throttles failed token sign-ins per address: ten free, then doubling waits; other addresses unaffected', async () => {
    let now = 1_000_000;
    const a = await makeApp({ now: () => now });
    for (let i = 0; i < 11; i++)
      expect((await post(a, { secret: `wrong-token-${i}` })).statusCode, `try ${i}`).toBe(401);
    const r = await post(a, { secret: TOKENS.viewer }); // even the right token waits
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json().error).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect((await post(a, { secret: TOKENS.viewer }, '10.0.0.2')).statusCode).toBe(200);
    now += 1000;
    expect((await post(a, { secret: 'wrong-token' })).statusCode).toBe(401); // 12th: 2 s
    expect((await post(a, { secret: TOKENS.viewer })).headers['retry-after']).toBe('2');
    now += 2000;
    expect((await post(a, { secret: TOKENS.viewer })).statusCode).toBe(200);
    // a right sign-in lets the next try in at once, but does not wipe out the guesses before it
    expect((await post(a, { secret: 'wrong-token' })).statusCode).toBe(401);
    expect((await post(a, { secret: TOKENS.viewer })).statusCode).toBe(429);
  });

  it('throttles PIN failures per operator across addresses, together with the voice terminals', async () => {
    let now = 1_000_000;
    const signOn = new SignOn(OPERATORS, () => now);
    const a = await makeApp({ now: () => now, signOn });
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      expect((await post(a, { operator: 'jdoe', pin: '0000' }, ip)).statusCode).toBe(401);
    const r = await post(a, { operator: 'jdoe', pin: '1234' }, '10.0.0.4');
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    await expect(signOn.check('jdoe', '1234')).rejects.toMatchObject({
      code: 'VOICE_SIGNON_THROTTLED',
    });
    expect((await post(a, { operator: 'asmith', pin: '5678' }, '10.0.0.4')).statusCode).toBe(200);
    now += 1000;
    const ok = await post(a, { operator: 'jdoe', pin: '1234' }, '10.0.0.4');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ role: 'operator', operator: 'jdoe' });
  });

  it('signs in operators with a pinHash in the one format (with N, and the older form without)', async () => {
    const four = hashSecret('4321', 16384);
    const a = await makeApp({
      operators: [
        { id: 'h1', pinHash: await hashPin('2468') },
        { id: 'h2', pinHash: four },
        { id: 'h3', pinHash: four.replace('scrypt$16384$', 'scrypt$') },
      ],
    });
    for (const [operator, pin] of [
      ['h1', '2468'],
      ['h2', '4321'],
      ['h3', '4321'],
    ]) {
      const r = await post(a, { operator, pin }, `10.0.1.${operator}`);
      expect(r.statusCode, operator).toBe(200);
      expect((await post(a, { operator, pin: '0000' }, '10.0.2.1')).statusCode, operator).toBe(401);
    }
  });

  it('logs one summary line per burst, not a warning per try', async () => {
    const lines: Record<string, unknown>[] = [];
    const a = await makeApp({ lines, burstQuietMs: 60_000 });
    for (let i = 0; i < 30; i++) await post(a, { operator: `op${i % 3}`, pin: '0000' });
    await post(a, { secret: 'wrong-token' }, '10.9.9.9');
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    await a.close();
    const summaries = lines.filter((l) => l.msg === 'browser sign-in failures');
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatchObject({ level: 40, ip: '10.0.0.1' });
    expect(summaries[0].operators).toEqual(['op0', 'op1', 'op2']);
    expect((summaries[0].failed as number) + (summaries[0].refused as number)).toBe(30);
    expect(summaries[0].refused).toBeGreaterThan(0);
    expect(summaries[1]).toMatchObject({ level: 30, ip: '10.9.9.9', failed: 1, tokens: 1 });
    expect(lines.filter((l) => (l.level as number) >= 40)).toHaveLength(1);
  });

  it('ends a burst after a quiet spell and writes its line then', async () => {
    const lines: Record<string, unknown>[] = [];
    const a = await makeApp({ lines, burstQuietMs: 100 });
    await post(a, { operator: 'jdoe', pin: '0000' });
    await post(a, { operator: 'jdoe', pin: '0001' });
    expect(lines.filter((l) => l.msg === 'browser sign-in failures')).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    expect(lines.filter((l) => l.msg === 'browser sign-in failures')).toMatchObject([
      { ip: '10.0.0.1', failed: 2, refused: 0, operators: ['jdoe'] },
    ]);
  });

  it('asks for a secret, or an operator and a PIN', async () => {
    const a = await makeApp();
    for (const body of [{}, { operator: 'jdoe' }, { pin: '1234' }, { secret: 'x', pin: '1' }])
      expect((await post(a, body)).statusCode, JSON.stringify(body)).toBe(400);
  });
});
