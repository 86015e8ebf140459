import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, demoWave, type Harness, harness, tempDir } from '../helpers/harness.ts';

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

describe('GET /api/v1/events', () => {
  it('pages through events in seq order with after/limit and returns next', async () => {
    for (let i = 1; i <= 5; i++) {
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/waves',
        headers: auth('wms'),
        payload: demoWave(`W-${i}`),
      });
    }
    const first = await h.app.inject({ url: '/api/v1/events?limit=2', headers: auth('wms') });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(page1.next).toBe(2);
    expect(page1.events[0]).toMatchObject({
      type: 'wave.accepted',
      data: { waveId: 'W-1', lines: 6 },
    });
    expect(page1.events[0].eventId).toMatch(/^e-[0-9a-f]{6}-000001$/);
    const page2 = (
      await h.app.inject({
        url: `/api/v1/events?after=${page1.next}&limit=10`,
        headers: auth('viewer'),
      })
    ).json();
    expect(page2.events.map((e: { data: { waveId: string } }) => e.data.waveId)).toEqual([
      'W-3',
      'W-4',
      'W-5',
    ]);
    const empty = (
      await h.app.inject({ url: '/api/v1/events?after=5', headers: auth('wms') })
    ).json();
    expect(empty).toEqual({ events: [], next: 5 });
  });

  it('filters by type in the database, so a page always advances', async () => {
    for (let i = 1; i <= 3; i++) {
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/waves',
        headers: auth('wms'),
        payload: demoWave(`W-${i}`),
      });
    }
    await h.app.inject({ method: 'DELETE', url: '/api/v1/waves/W-2', headers: auth('wms') });
    const page = (
      await h.app.inject({
        url: '/api/v1/events?type=wave.cancelled&limit=1',
        headers: auth('wms'),
      })
    ).json();
    expect(page.events.map((e: { type: string; seq: number }) => [e.type, e.seq])).toEqual([
      ['wave.cancelled', 4],
    ]);
    expect(page.next).toBe(4);
    const none = (
      await h.app.inject({ url: '/api/v1/events?type=wave.completed', headers: auth('wms') })
    ).json();
    expect(none).toEqual({ events: [], next: 4 }); // nothing matches up to seq 4: skip past it
  });

  it('rejects a bad query with 400 and a token of another role with 403', async () => {
    const bad = await h.app.inject({
      url: '/api/v1/events?after=-1&limit=abc',
      headers: auth('wms'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_REQUEST');
    expect(bad.json().error.details.length).toBe(2);
    expect(
      (await h.app.inject({ url: '/api/v1/events', headers: auth('operator') })).statusCode,
    ).toBe(403);
  });
});

describe('health and docs', () => {
  it('answers /healthz and /readyz without a token; /readyz is 503 when the store is closed', async () => {
    expect((await h.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await h.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    h.store.stop();
    const down = await h.app.inject({ url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks).toEqual([{ name: 'store', ok: false }]);
  });

  it('serves an OpenAPI 3 document generated from the route schemas, and Swagger UI', async () => {
    const doc = (await h.app.inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/waves',
        '/api/v1/waves/{waveId}',
        '/api/v1/orders/{orderId}',
        '/api/v1/events',
      ]),
    );
    const postWave = doc.paths['/api/v1/waves'].post;
    expect(Object.keys(postWave.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '409', '422']),
    );
    expect(postWave.requestBody.content['application/json'].schema.properties.orders).toBeDefined();
    const ui = await h.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toMatch(/swagger/i);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await h.app.inject({ url: '/api/v1/nope', headers: auth('wms') });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'NOT_FOUND', message: expect.any(String), details: [] },
    });
  });
});
