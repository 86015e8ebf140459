/**
 * Browser sessions (issue 11): a role token or an operator's id and PIN become an
 * HttpOnly SameSite=Strict cookie that expires; the API takes the cookie under
 * the same roles as the token; an expired or signed-out session is refused.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { SESSION_COOKIE, Sessions } from '../../api/session.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { Store } from '../../controller/store/db.ts';
import type { WaveService } from '../../controller/waves/service.ts';
import { TOKENS } from '../helpers/harness.ts';

let store: Store;
let app: FastifyInstance;
let now = 1_000_000;
const TTL = 60_000;

beforeAll(async () => {
  store = new Store(':memory:');
  store.start();
  app = await build({
    waves: {} as WaveService,
    outbox: new Outbox(store),
    tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    logger: false,
    ui: {
      sessions: new Sessions(TTL, () => now),
      operators: [{ id: 'jdoe', pin: '1234' }, { id: 'nopin' }],
    },
  });
});
afterAll(async () => {
  await app?.close();
  store?.stop();
});

const signIn = (secret: string | { operator: string; pin: string }) =>
  app.inject({
    method: 'POST',
    url: '/ui/session',
    payload: typeof secret === 'string' ? { secret } : secret,
  });
const cookieOf = (r: Awaited<ReturnType<typeof signIn>>) =>
  r.cookies.find((c) => c.name === SESSION_COOKIE);
const events = (cookie?: string) =>
  app.inject({
    method: 'GET',
    url: '/api/v1/events',
    cookies: cookie ? { [SESSION_COOKIE]: cookie } : {},
  });

describe('browser sign-in', () => {
  it('sets an HttpOnly SameSite=Strict cookie with a lifetime, not the token', async () => {
    const r = await signIn(TOKENS.viewer);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ role: 'viewer', operator: null });
    const c = cookieOf(r)!;
    expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', maxAge: TTL / 1000 });
    expect(c.value).not.toContain(TOKENS.viewer);
    expect((await events(c.value)).statusCode).toBe(200);
  });

  it('refuses a wrong token or PIN and sets no cookie', async () => {
    for (const secret of ['wrong-token', '9999', '']) {
      const r = await signIn(secret);
      expect(r.statusCode, secret).toBe(secret === '' ? 400 : 401);
      expect(cookieOf(r), secret).toBeUndefined();
    }
  });

  it('signs an operator in with id and PIN, under the operator role; a PIN alone is no token', async () => {
    expect((await signIn('1234')).statusCode).toBe(401);
    expect((await signIn({ operator: 'nopin', pin: '1234' })).statusCode).toBe(401);
    const r = await signIn({ operator: 'jdoe', pin: '1234' });
    expect(r.json()).toMatchObject({ role: 'operator', operator: 'jdoe' });
    // the events feed is for wms, viewer and technician: an operator session is forbidden
    expect((await events(cookieOf(r)!.value)).statusCode).toBe(403);
  });

  it('refuses the cookie once the session expired, and after sign-out', async () => {
    const c = cookieOf(await signIn(TOKENS.technician))!.value;
    expect((await events(c)).statusCode).toBe(200);
    now += TTL;
    expect((await events(c)).statusCode).toBe(401);
    const d = cookieOf(await signIn(TOKENS.technician))!.value;
    await app.inject({
      method: 'DELETE',
      url: '/ui/session',
      cookies: { [SESSION_COOKIE]: d },
      headers: { origin: 'http://localhost' }, // the sign-in page's own origin (api/csrf.ts)
    });
    expect((await events(d)).statusCode).toBe(401);
    expect((await events('forged')).statusCode).toBe(401);
  });

  it('sends an unsigned-in browser from a page to the sign-in page, with no token in the URL', async () => {
    const r = await app.inject({ method: 'GET', url: '/console' });
    expect(r.statusCode).toBe(302);
    expect(r.headers.location).toBe('/sign-in?next=%2Fconsole');
  });
});
