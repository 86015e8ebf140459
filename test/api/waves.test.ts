import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, demoWave, type Harness, harness, tableCounts, tempDir } from '../helpers/harness.ts';

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

const post = (body: unknown, role: Parameters<typeof auth>[0] = 'wms') =>
  h.app.inject({
    method: 'POST',
    url: '/api/v1/waves',
    headers: auth(role),
    payload: body as object,
  });

describe('POST /api/v1/waves', () => {
  it('accepts a new wave with 201 and stores every order and line', async () => {
    const res = await post(demoWave('W-1', 2, 3));
    expect(res.statusCode).toBe(201);
    const w = res.json();
    expect(w.waveId).toBe('W-1');
    expect(w.status).toBe('accepted');
    expect(w.counts).toEqual({ lines: 6, open: 6, picked: 0, short: 0, cancelled: 0 });
    expect(w.orders).toBe(2);
    expect(res.headers.location).toBe('/api/v1/waves/W-1');
    const full = (await h.app.inject({ url: '/api/v1/waves/W-1', headers: auth('wms') })).json();
    expect(full.orders.map((o: { orderId: string }) => o.orderId)).toEqual(['W-1-O1', 'W-1-O2']);
    expect(full.orders[0].lines[2]).toMatchObject({
      lineId: 'W-1-O1-L3',
      sku: 'SKU-3',
      location: 'A-01-03',
      quantity: 3,
      status: 'open',
      picked: 0,
    });
  });

  it('answers an identical re-post with 200 and stores nothing new, whatever the key order', async () => {
    const wave = demoWave('W-2');
    expect((await post(wave)).statusCode).toBe(201);
    const before = tableCounts(h.store);
    const reordered = Object.fromEntries(Object.entries(wave).reverse());
    const again = await post(reordered);
    expect(again.statusCode).toBe(200);
    expect(again.json().waveId).toBe('W-2');
    expect(tableCounts(h.store)).toEqual(before);
  });

  it('rejects the same waveId with a different body: 409 WAVE_CONFLICT, nothing changed', async () => {
    const wave = demoWave('W-3') as { orders: { lines: { quantity: number }[] }[] };
    expect((await post(wave)).statusCode).toBe(201);
    const before = tableCounts(h.store);
    wave.orders[0].lines[0].quantity = 99;
    const res = await post(wave);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('WAVE_CONFLICT');
    expect(tableCounts(h.store)).toEqual(before);
    expect(h.waves.get('W-3').orders[0].lines[0].quantity).toBe(1);
  });

  it('rejects an orderId that belongs to another wave: 409 ORDER_CONFLICT', async () => {
    expect((await post(demoWave('W-4'))).statusCode).toBe(201);
    const other = demoWave('W-5') as { orders: { orderId: string }[] };
    other.orders[1].orderId = 'W-4-O1';
    const before = tableCounts(h.store);
    const res = await post(other);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'ORDER_CONFLICT',
      details: [{ path: '/orders/1/orderId' }],
    });
    expect(tableCounts(h.store)).toEqual(before);
  });

  it('reports ids taken by another wave before containers in use, and stores nothing of a wave whose last line conflicts', async () => {
    expect((await post(demoWave('W-6'))).statusCode).toBe(201);
    const both = demoWave('W-7') as { orders: { orderId: string; container?: string }[] };
    both.orders[0].container = (demoWave('W-6') as typeof both).orders[0].container;
    both.orders[1].orderId = 'W-6-O1';
    const before = tableCounts(h.store);
    const res = await post(both);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'ORDER_CONFLICT',
      details: [{ path: '/orders/1/orderId' }],
    });
    // 600 lines: the conflicting one comes after two full insert batches
    const big = {
      waveId: 'W-8',
      orders: Array.from({ length: 60 }, (_, i) => ({
        orderId: `W-8-O${i}`,
        lines: Array.from({ length: 10 }, (_, j) => ({
          lineId: i === 59 && j === 9 ? 'W-6-O1-L1' : `W-8-O${i}-L${j}`,
          sku: 'S',
          location: 'A-01-01',
          quantity: 1,
        })),
      })),
    };
    const late = await post(big);
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({
      code: 'ORDER_CONFLICT',
      details: [
        { path: '/orders/59/lines/9/lineId', message: 'line "W-6-O1-L1" belongs to another wave' },
      ],
    });
    expect(tableCounts(h.store)).toEqual(before);
  });

  it('answers a wave with 20 different defects with 400 INVALID_WAVE and 20 details', async () => {
    const ok = (lineId: string, location = 'A-01-01') => ({
      lineId,
      sku: 'S',
      location,
      quantity: 1,
    });
    const bad = {
      waveId: 'W-bad',
      priority: 5000, // 1 above maximum
      extra: true, // 2 not allowed
      orders: [
        {
          orderId: 'O-1',
          container: '', // 3 empty
          lines: [
            { ...ok('L-1'), quantity: 0 }, // 4 not positive
            ok('L-1', 'A-01-02'), // 5 duplicate lineId
            { lineId: 'L-3', location: 'A-01-03', quantity: 2 }, // 6 sku missing
            { ...ok('L-4'), quantity: 1.5 }, // 7 not an integer
            { ...ok('L-5'), quantity: '3' }, // 8 not a number
            { lineId: 'L-6', sku: 'S', quantity: 1 }, // 9 location missing
            { ...ok('L-7'), sku: 7 }, // 10 sku not a string
            { ...ok('L-8'), colour: 'red' }, // 11 unknown property
            { sku: 'S', location: 'A-01-09', quantity: 1 }, // 12 lineId missing
            { ...ok('L-10'), quantity: -2 }, // 13 negative
            { ...ok('L-11'), description: 'x'.repeat(201) }, // 14 too long
          ],
        },
        { orderId: 'O-1', lines: [ok('L-20')] }, // 15 duplicate orderId
        { orderId: 'O-3', lines: [] }, // 16 no lines
        { orderId: 'O-4', cubby: 'P-1', lines: [ok('L-40')] }, // 17 cubby without putWall
        { lines: [ok('L-50')] }, // 18 orderId missing
        { orderId: 'O-6', putWall: 'P', lines: [ok('L-60')] }, // 19 location in a put-wall order
        'not an order', // 20 not an object
      ],
    };
    const before = tableCounts(h.store);
    const res = await post(bad);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('INVALID_WAVE');
    expect(error.details).toHaveLength(20);
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/priority',
        '/extra',
        '/orders/0/container',
        '/orders/0/lines/0/quantity',
        '/orders/0/lines/1/lineId',
        '/orders/0/lines/2/sku',
        '/orders/0/lines/3/quantity',
        '/orders/0/lines/4/quantity',
        '/orders/0/lines/5/location',
        '/orders/0/lines/6/sku',
        '/orders/0/lines/7/colour',
        '/orders/0/lines/8/lineId',
        '/orders/0/lines/9/quantity',
        '/orders/0/lines/10/description',
        '/orders/1/orderId',
        '/orders/2/lines',
        '/orders/3/cubby',
        '/orders/4/orderId',
        '/orders/5/lines/0/location',
        '/orders/6',
      ]),
    );
    for (const d of error.details) expect(d.message.length).toBeGreaterThan(3);
    expect(tableCounts(h.store)).toEqual(before);
  });

  it('rejects lines naming unknown locations with 422 UNKNOWN_LOCATION, one detail each, nothing stored', async () => {
    const wave = demoWave('W-6') as { orders: { lines: { location: string }[] }[] };
    wave.orders[0].lines[1].location = 'NOWHERE-1';
    wave.orders[1].lines[2].location = 'P-1'; // a put-wall cubby is not a pick location
    const before = tableCounts(h.store);
    const res = await post(wave);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('UNKNOWN_LOCATION');
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toEqual([
      '/orders/0/lines/1/location',
      '/orders/1/lines/2/location',
    ]);
    expect(tableCounts(h.store)).toEqual(before);
    expect(
      (await h.app.inject({ url: '/api/v1/waves/W-6', headers: auth('wms') })).statusCode,
    ).toBe(404);
  });

  it('accepts put-wall orders and rejects unknown walls and cubbies with 422', async () => {
    const put = {
      waveId: 'W-PUT',
      orders: [
        {
          orderId: 'PO-1',
          putWall: 'P',
          cubby: 'P-2',
          lines: [{ lineId: 'PL-1', sku: 'SKU-9', quantity: 2 }],
        },
        { orderId: 'PO-2', putWall: 'P', lines: [{ lineId: 'PL-2', sku: 'SKU-9', quantity: 1 }] },
      ],
    };
    const res = await post(put);
    expect(res.statusCode).toBe(201);
    const full = h.waves.get('W-PUT');
    expect(full.orders[0]).toMatchObject({ putWall: 'P', cubby: 'P-2' });
    expect(full.orders[1]).toMatchObject({ putWall: 'P', cubby: null });
    expect(full.orders[1].lines[0]).toMatchObject({ location: null, sku: 'SKU-9' });
    const bad = await post({
      waveId: 'W-PUT-2',
      orders: [
        { orderId: 'PO-3', putWall: 'A', lines: [{ lineId: 'PL-3', sku: 'S', quantity: 1 }] },
        {
          orderId: 'PO-4',
          putWall: 'P',
          cubby: 'P-99',
          lines: [{ lineId: 'PL-4', sku: 'S', quantity: 1 }],
        },
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'UNKNOWN_PUT_WALL' });
    expect(bad.json().error.details).toHaveLength(2);
  });

  it('rejects malformed JSON and an oversize body with 400 INVALID_WAVE', async () => {
    const malformed = await h.app.inject({
      method: 'POST',
      url: '/api/v1/waves',
      headers: { ...auth('wms'), 'content-type': 'application/json' },
      payload: '{"waveId": "W-7", "orders": [',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('INVALID_WAVE');
    await h.close();
    h = await harness(`${tmp.dir}/pl.db`, { bodyLimit: 2048 });
    const big = await post(demoWave('W-8', 10, 10));
    expect(big.statusCode).toBe(400);
    expect(big.json().error).toMatchObject({ code: 'INVALID_WAVE', details: [{ path: '/' }] });
    expect(big.json().error.details[0].message).toMatch(/too large|exceed/i);
  });
});

describe('authentication', () => {
  it('answers 401 without a token or with an unknown one, 403 for the wrong role', async () => {
    const none = await h.app.inject({ method: 'POST', url: '/api/v1/waves', payload: demoWave() });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('UNAUTHORIZED');
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/api/v1/waves',
      headers: { authorization: 'Bearer not-a-token-at-all' },
      payload: demoWave(),
    });
    expect(wrong.statusCode).toBe(401);
    const role = await post(demoWave(), 'operator');
    expect(role.statusCode).toBe(403);
    expect(role.json().error).toMatchObject({ code: 'FORBIDDEN', details: [] });
    expect(tableCounts(h.store).waves).toBe(0);
  });

  it('lets every reading role read waves, but only the wms cancel them', async () => {
    await post(demoWave('W-9'));
    for (const r of ['wms', 'operator', 'technician', 'viewer'] as const) {
      expect((await h.app.inject({ url: '/api/v1/waves/W-9', headers: auth(r) })).statusCode).toBe(
        200,
      );
    }
    expect(
      (await h.app.inject({ method: 'DELETE', url: '/api/v1/waves/W-9', headers: auth('viewer') }))
        .statusCode,
    ).toBe(403);
  });
});

describe('GET and DELETE', () => {
  it('returns 404 WAVE_NOT_FOUND / ORDER_NOT_FOUND for unknown ids', async () => {
    const w = await h.app.inject({ url: '/api/v1/waves/nope', headers: auth('wms') });
    expect(w.statusCode).toBe(404);
    expect(w.json().error.code).toBe('WAVE_NOT_FOUND');
    const o = await h.app.inject({ url: '/api/v1/orders/nope', headers: auth('wms') });
    expect(o.statusCode).toBe(404);
    expect(o.json().error.code).toBe('ORDER_NOT_FOUND');
  });

  it('returns one order with its lines', async () => {
    await post(demoWave('W-10'));
    const o = await h.app.inject({ url: '/api/v1/orders/W-10-O2', headers: auth('operator') });
    expect(o.statusCode).toBe(200);
    expect(o.json()).toMatchObject({
      orderId: 'W-10-O2',
      waveId: 'W-10',
      container: 'W-10-TOTE-2',
      status: 'open',
    });
    expect(o.json().lines).toHaveLength(3);
  });

  it('cancels a wave: open lines cancelled, a wave.cancelled event, idempotent', async () => {
    await post(demoWave('W-11'));
    const res = await h.app.inject({
      method: 'DELETE',
      url: '/api/v1/waves/W-11',
      headers: auth('wms'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    expect(res.json().counts).toMatchObject({ open: 0, cancelled: 6 });
    const again = await h.app.inject({
      method: 'DELETE',
      url: '/api/v1/waves/W-11',
      headers: auth('wms'),
    });
    expect(again.statusCode).toBe(200);
    const types = h.outbox.read(0, 100).map((e) => e.type);
    expect(types).toEqual(['wave.accepted', 'wave.cancelled']);
    expect(
      (await h.app.inject({ method: 'DELETE', url: '/api/v1/waves/nope', headers: auth('wms') }))
        .statusCode,
    ).toBe(404);
  });
});

describe('restart', () => {
  it('keeps accepted waves and events across a restart of the store', async () => {
    await post(demoWave('W-12'));
    await post(demoWave('W-13'));
    await h.close();
    h = await harness(`${tmp.dir}/pl.db`);
    const w = await h.app.inject({ url: '/api/v1/waves/W-13', headers: auth('wms') });
    expect(w.statusCode).toBe(200);
    expect(w.json().counts.lines).toBe(6);
    expect(h.outbox.read(0, 10).map((e) => e.data.waveId)).toEqual(['W-12', 'W-13']);
    // the identical re-post is still recognised after the restart
    expect((await post(demoWave('W-12'))).statusCode).toBe(200);
  });
});
