/**
 * Issue 19 "Done when" (CONTRACTS.md §7): due times, projection, risk, the
 * at-risk / late events once, PATCH, onTime, a restart that re-sends nothing,
 * and bad input that changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, tableCounts, tempDir } from '../helpers/harness.ts';
import { type SlaHarness, slaHarness, zoneAWave } from '../helpers/sla.ts';

// the evaluation's clock; completions use the real one, so due times are around now
const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
/** the same instant written with a +01:00 offset */
const plusOne = (min: number) =>
  `${new Date(T0 + (min + 60) * 60_000).toISOString().slice(0, 19)}+01:00`;

let tmp: ReturnType<typeof tempDir>;
let h: SlaHarness;
beforeEach(async () => {
  tmp = tempDir();
  h = await slaHarness(`${tmp.dir}/pl.db`, { now: T0 });
});
afterEach(async () => {
  await h.close();
  tmp.remove();
});

const post = (body: unknown) =>
  h.app.inject({
    method: 'POST',
    url: '/api/v1/waves',
    headers: auth('wms'),
    payload: body as object,
  });
const patch = (
  what: 'waves' | 'orders',
  id: string,
  body: unknown,
  role: 'wms' | 'viewer' = 'wms',
) =>
  h.app.inject({
    method: 'PATCH',
    url: `/api/v1/${what}/${id}`,
    headers: auth(role),
    payload: body as object,
  });

describe('projection and risk', () => {
  it('a wave whose last orders cannot make their due time raises order.at_risk once per order', async () => {
    // 10 orders × 3 lines in zone A at the default 2 lines/min: order k finishes k × 1.5 min
    // from now; due in 20 min with a 15 min lead → orders 4…10 are at risk (6 min > 5 min)
    expect((await post(zoneAWave('W-R', 10, 3, { dueAt: at(20) }))).statusCode).toBe(201);
    await h.settle();
    await h.sla.evaluate();
    await h.sla.evaluate();
    const atRisk = h.events('order.at_risk');
    expect(atRisk.map((e) => e.data.orderId)).toEqual(
      [4, 5, 6, 7, 8, 9, 10].map((k) => `W-R-O${k}`),
    );
    expect(atRisk[0].data).toMatchObject({
      waveId: 'W-R',
      dueAt: at(20),
      projectedAt: at(6),
      openLines: 3,
      zones: ['A'],
    });
    expect(h.events('wave.at_risk')).toHaveLength(1);
    expect(h.events('order.late')).toHaveLength(0);
    const order = (
      await h.app.inject({ url: '/api/v1/orders/W-R-O10', headers: auth('wms') })
    ).json();
    expect(order).toMatchObject({
      dueAt: at(20),
      projectedAt: at(15),
      risk: 'at-risk',
      onTime: null,
    });
    const early = (
      await h.app.inject({ url: '/api/v1/orders/W-R-O1', headers: auth('wms') })
    ).json();
    expect(early).toMatchObject({ projectedAt: at(1.5), risk: 'on-track' });
    const wave = (await h.app.inject({ url: '/api/v1/waves/W-R', headers: auth('viewer') })).json();
    expect(wave).toMatchObject({ dueAt: at(20), projectedAt: at(15), risk: 'at-risk' });
    // the list, most urgent first, by risk and zone
    const list = await h.app.inject({
      url: '/api/v1/orders?risk=at-risk,late&zone=A&limit=3',
      headers: auth('operator'),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().orders.map((o: { orderId: string }) => o.orderId)).toEqual([
      'W-R-O4',
      'W-R-O5',
      'W-R-O6',
    ]);
    // an exception per order at risk, one each however often evaluated
    expect(h.desk.list({ kind: ['order-at-risk'], limit: 100 })).toHaveLength(7);
  });

  it('a past-due order is late with an open exception; PATCH moves it back on track', async () => {
    expect((await post(zoneAWave('W-L', 1, 2, { dueAt: at(-1) }))).statusCode).toBe(201);
    await h.settle();
    expect(h.events('order.late').map((e) => e.data.orderId)).toEqual(['W-L-O1']);
    expect(h.events('wave.late').map((e) => e.data.waveId)).toEqual(['W-L']);
    const [x] = h.desk.list({ kind: ['order-late'], status: ['open'], limit: 10 });
    expect(x).toMatchObject({
      kind: 'order-late',
      severity: 'critical',
      subject: { orderId: 'W-L-O1' },
    });

    const r = await patch('orders', 'W-L-O1', { dueAt: plusOne(60) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ dueAt: at(60), status: 'open' });
    await h.settle();
    expect(h.events('order.updated').at(-1)?.data).toMatchObject({
      orderId: 'W-L-O1',
      dueAt: at(60),
    });
    const now = (await h.app.inject({ url: '/api/v1/orders/W-L-O1', headers: auth('wms') })).json();
    expect(now.risk).toBe('on-track');
    expect(h.desk.get(x.exceptionId)).toMatchObject({ status: 'resolved', resolvedBy: 'system' });
    // late again after the new due time: a new dueAt allows the alert again
    h.clock.now = T0 + 61 * 60_000;
    await h.sla.evaluate();
    expect(h.events('order.late').map((e) => e.data.dueAt)).toEqual([at(-1), at(60)]);
  });

  it('a pick re-evaluates its zone only, and an order at risk in another zone stays at risk', async () => {
    // 15 one-line orders in zone B due in 15 min go first there; O-X (due in 20 min) has a
    // line in A and one in B: 16 lines ahead in B at 2/min = 8 min > 20 - 15 → at risk by B
    const b = (i: number) => ({
      orderId: `W-Y-B${i}`,
      dueAt: at(15),
      lines: [{ lineId: `W-Y-B${i}-1`, sku: 'S', location: 'B-02-01', quantity: 1 }],
    });
    const body = {
      waveId: 'W-Y',
      orders: [
        ...Array.from({ length: 15 }, (_, i) => b(i)),
        {
          orderId: 'O-X',
          dueAt: at(20),
          lines: [
            { lineId: 'O-X-A', sku: 'S', location: 'A-01-01', quantity: 1 },
            { lineId: 'O-X-B', sku: 'S', location: 'B-02-02', quantity: 1 },
          ],
        },
        {
          orderId: 'O-Z',
          lines: [{ lineId: 'O-Z-A', sku: 'S', location: 'A-01-02', quantity: 1 }],
        },
      ],
    };
    expect((await post(body)).statusCode).toBe(201);
    await h.settle();
    expect(h.waves.getOrder('O-X').risk).toBe('at-risk');
    const resolvedBefore = h.events('exception.resolved').length;
    await h.engine.picking.close('O-Z-A', { operator: null, via: 'api' }); // a pick in zone A
    await h.settle();
    expect(h.sla.last?.candidates).toBe(1); // zone A only: O-X, flagged
    expect(h.waves.getOrder('O-X').risk).toBe('at-risk');
    expect(h.events('exception.resolved')).toHaveLength(resolvedBefore);
  });

  it('a wave PATCH changes the orders that follow it, never an order’s own value', async () => {
    const body = zoneAWave('W-P', 2, 1, { dueAt: at(120), priority: 1 });
    (body.orders as Record<string, unknown>[])[1].dueAt = at(90);
    expect((await post(body)).statusCode).toBe(201);
    const r = await patch('waves', 'W-P', { dueAt: at(240), priority: 5 });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ dueAt: at(240), priority: 5 });
    expect(r.json().orders.map((o: { dueAt: string }) => o.dueAt)).toEqual([at(240), at(90)]);
    expect(h.events('wave.updated').at(-1)?.data).toMatchObject({
      waveId: 'W-P',
      dueAt: at(240),
      priority: 5,
    });
    // a re-POST of the original body is still the same wave
    expect((await post(body)).statusCode).toBe(200);
  });

  it('completed orders carry dueAt and onTime', async () => {
    expect((await post(zoneAWave('W-C', 2, 1, { dueAt: at(30) }))).statusCode).toBe(201);
    await h.engine.picking.close('W-C-O1-L1', { operator: null, via: 'api' });
    await patch('orders', 'W-C-O2', { dueAt: new Date(Date.now() - 60_000).toISOString() });
    await h.engine.picking.close('W-C-O2-L1', { operator: null, via: 'api' });
    const done = h.events('order.completed');
    expect(done.map((e) => [e.data.orderId, e.data.onTime])).toEqual([
      ['W-C-O1', true],
      ['W-C-O2', false],
    ]);
    expect(done[0].data.dueAt).toBe(at(30));
    expect(h.events('wave.completed')[0].data).toMatchObject({ dueAt: at(30), onTime: true });
    const o = (await h.app.inject({ url: '/api/v1/orders/W-C-O2', headers: auth('wms') })).json();
    expect(o).toMatchObject({ status: 'completed', onTime: false, risk: null, projectedAt: null });
  });

  it('a restart re-sends nothing', async () => {
    expect((await post(zoneAWave('W-S', 6, 3, { dueAt: at(10) }))).statusCode).toBe(201);
    await h.settle();
    await h.sla.evaluate();
    const before = h.events().length;
    expect(h.events('order.at_risk').length).toBeGreaterThan(0);
    await h.close();
    h = await slaHarness(`${tmp.dir}/pl.db`, { now: T0 + 1000 });
    await h.sla.evaluate();
    await h.settle();
    expect(h.events()).toHaveLength(before);
  });
});

describe('bad input changes nothing', () => {
  beforeEach(async () => {
    expect((await post(zoneAWave('W-B', 2, 1, { dueAt: at(60) }))).statusCode).toBe(201);
    await h.engine.picking.close('W-B-O2-L1', { operator: null, via: 'api' }); // O2 completed
    await h.settle();
  });

  it('invalid dates are 400 (POST and PATCH)', async () => {
    const counts = tableCounts(h.store);
    for (const dueAt of [
      'tomorrow',
      '2026-02-30T10:00:00Z',
      '2026-12-08T10:00:00',
      '2026-12-08T25:00:00Z',
      17,
    ]) {
      const p = await post(zoneAWave('W-X', 1, 1, { dueAt }));
      expect(p.statusCode).toBe(400);
      expect(p.json().error.code).toBe('INVALID_WAVE');
      expect(p.json().error.details.map((d: { path: string }) => d.path)).toContain('/dueAt');
      const r = await patch('orders', 'W-B-O1', { dueAt });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('INVALID_REQUEST');
    }
    for (const body of [{}, { priority: 1.5 }, { dueAt: at(1), extra: 1 }, { priority: 5000 }, []])
      expect((await patch('orders', 'W-B-O1', body)).statusCode).toBe(400);
    expect((await patch('waves', 'W-B', { priority: null })).statusCode).toBe(400);
    expect(tableCounts(h.store)).toEqual(counts);
    expect(h.waves.getOrder('W-B-O1').dueAt).toBe(at(60));
  });

  it('a closed order is 409, unknown ids 404, other roles 403', async () => {
    const counts = tableCounts(h.store);
    const closed = await patch('orders', 'W-B-O2', { dueAt: at(5) });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.code).toBe('ORDER_CLOSED');
    expect((await patch('orders', 'NOPE', { dueAt: at(5) })).json().error.code).toBe(
      'ORDER_NOT_FOUND',
    );
    expect((await patch('waves', 'NOPE', { dueAt: at(5) })).json().error.code).toBe(
      'WAVE_NOT_FOUND',
    );
    expect((await patch('waves', 'W-B', { dueAt: at(5) }, 'viewer')).statusCode).toBe(403);
    h.waves.cancel('W-B');
    const counts2 = tableCounts(h.store);
    const w = await patch('waves', 'W-B', { dueAt: at(5) });
    expect(w.statusCode).toBe(409);
    expect(w.json().error.code).toBe('WAVE_CLOSED');
    expect(tableCounts(h.store)).toEqual(counts2);
    expect(counts2.events).toBeGreaterThan(counts.events); // the cancel, not the refused PATCHes
    const bad = await h.app.inject({ url: '/api/v1/orders?risk=soon', headers: auth('wms') });
    expect(bad.statusCode).toBe(400);
    const zone = await h.app.inject({ url: '/api/v1/orders?zone=ZZ', headers: auth('wms') });
    expect(zone.statusCode).toBe(404);
  });

  it('answers due times in UTC Z whatever offset came in', async () => {
    const body = zoneAWave('W-Z', 1, 1, { dueAt: '2026-12-08T15:30:00.5+05:30' });
    expect((await post(body)).json()).toMatchObject({ dueAt: '2026-12-08T10:00:00.500Z' });
  });
});
