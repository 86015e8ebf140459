/**
 * Cross-origin writes (issue 16, item 4): a browser request carrying the
 * session cookie that may change something needs an Origin of the controller
 * itself (or one of `api.allowedOrigins`) or `Sec-Fetch-Site: same-origin`;
 * otherwise 403 CROSS_ORIGIN and the route never runs. Bearer clients pass.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { SESSION_COOKIE, Sessions } from '../../api/session.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { Store } from '../../controller/store/db.ts';
import type { WaveService } from '../../controller/waves/service.ts';
import { auth, TOKENS } from '../helpers/harness.ts';

let store: Store;
let app: FastifyInstance;
let cookie: string;
const ran: string[] = [];
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

beforeAll(async () => {
  store = new Store(':memory:');
  store.start();
  app = await build({
    waves: {} as WaveService,
    outbox: new Outbox(store),
    tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    logger: false,
    allowedOrigins: ['https://pick.example.com'],
    ui: { sessions: new Sessions(), operators: [{ id: 'jdoe', pin: '1234' }] },
    plugins: [
      (a) => {
        for (const method of METHODS)
          a.route({
            method,
            url: '/write',
            config: { roles: ['operator'] },
            handler: async (req) => {
              ran.push(`${method} ${String(req.body ?? '')}`);
              return { ok: true };
            },
          });
        a.addContentTypeParser('text/plain', { parseAs: 'string' }, (_r, body, done) =>
          done(null, body),
        );
      },
    ],
  });
  const r = await app.inject({
    method: 'POST',
    url: '/ui/session',
    payload: { secret: TOKENS.operator },
  });
  cookie = r.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
});
afterAll(async () => {
  await app?.close();
  store?.stop();
});

const write = (method: string, headers: Record<string, string>, withCookie = true) =>
  app.inject({
    method: method as 'POST',
    url: '/api/v1/write',
    headers,
    cookies: withCookie ? { [SESSION_COOKIE]: cookie } : {},
  });

describe('cross-origin writes with the session cookie', () => {
  it('refuses POST, PUT, PATCH and DELETE, with or without a body, from another origin or none', async () => {
    for (const method of METHODS)
      for (const headers of [
        {} as Record<string, string>,
        { origin: 'http://localhost:9999' }, // another port of the same host
        { origin: 'null' },
        { origin: 'http://evil.example' },
        { 'sec-fetch-site': 'same-site' },
        { origin: 'http://localhost:9999', 'content-type': 'text/plain' },
      ]) {
        const r =
          'content-type' in headers
            ? await app.inject({
                method,
                url: '/api/v1/write',
                headers,
                cookies: { [SESSION_COOKIE]: cookie },
                payload: 'quantity=99999',
              })
            : await write(method, headers);
        expect(r.statusCode, `${method} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.json().error.code).toBe('CROSS_ORIGIN');
      }
    expect(ran).toEqual([]);
  });

  it('takes them from its own origin, an allowed origin or Sec-Fetch-Site: same-origin', async () => {
    for (const headers of [
      { origin: 'http://localhost' } as Record<string, string>,
      { origin: 'http://localhost:80' },
      { origin: 'https://pick.example.com' },
      { 'sec-fetch-site': 'same-origin' },
    ])
      expect((await write('POST', headers)).statusCode, JSON.stringify(headers)).toBe(200);
    expect(ran).toHaveLength(4);
  });

  it('leaves bearer clients and reads alone', async () => {
    ran.length = 0;
    const bearer = { ...auth('operator'), origin: 'http://elsewhere.example' };
    for (const method of METHODS)
      expect((await write(method, bearer, false)).statusCode, method).toBe(200);
    expect(ran).toHaveLength(4);
    const get = await app.inject({
      method: 'GET',
      url: '/ui/session',
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(get.statusCode).toBe(200);
  });

  it('refuses a sign-in and a sign-out posted from another origin', async () => {
    const signIn = await app.inject({
      method: 'POST',
      url: '/ui/session',
      headers: { origin: 'http://localhost:9999' },
      payload: { secret: TOKENS.operator },
    });
    expect(signIn.statusCode).toBe(403);
    expect(signIn.cookies).toEqual([]);
    const signOut = await app.inject({
      method: 'DELETE',
      url: '/ui/session',
      headers: { origin: 'http://localhost:9999' },
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(signOut.statusCode).toBe(403);
    const still = await app.inject({
      method: 'GET',
      url: '/ui/session',
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(still.statusCode).toBe(200);
  });
});
