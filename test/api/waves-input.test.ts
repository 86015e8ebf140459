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

const post = (body: unknown) =>
  h.app.inject({
    method: 'POST',
    url: '/api/v1/waves',
    headers: auth('wms'),
    payload: body as object,
  });

type Wave = {
  waveId: string;
  orders: { orderId: string; container?: string; lines: Record<string, unknown>[] }[];
};

describe('POST /waves input rules', () => {
  it('refuses blank and whitespace-only ids with one INVALID_WAVE detail each', async () => {
    const w = demoWave('W-1', 2, 2) as Wave;
    w.waveId = '   ';
    w.orders[0].orderId = '';
    w.orders[0].container = ' \t ';
    w.orders[1].lines[0].lineId = '  ';
    w.orders[1].lines[0].sku = ' ';
    w.orders[1].lines[1].location = '\u00a0';
    const res = await post(w);
    expect(res.statusCode).toBe(400);
    const e = res.json().error;
    expect(e.code).toBe('INVALID_WAVE');
    expect(e.details.map((d: { path: string }) => d.path).sort()).toEqual(
      [
        '/waveId',
        '/orders/0/orderId',
        '/orders/0/container',
        '/orders/1/lines/0/lineId',
        '/orders/1/lines/0/sku',
        '/orders/1/lines/1/location',
      ].sort(),
    );
    for (const d of e.details) expect(d.message).toMatch(/blank/);
    expect(tableCounts(h.store).waves).toBe(0);
  });

  it('refuses two orders with one container in a wave', async () => {
    const w = demoWave('W-2', 3, 1) as Wave;
    w.orders[2].container = w.orders[0].container;
    const res = await post(w);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_WAVE',
      details: [{ path: '/orders/2/container', message: expect.stringMatching(/\/orders\/0/) }],
    });
  });

  it('refuses a container already used by an open order of another wave, not by a closed one', async () => {
    expect((await post(demoWave('W-3', 1, 1))).statusCode).toBe(201);
    const w = demoWave('W-4', 2, 1) as Wave;
    w.orders[1].container = 'W-3-TOTE-1';
    const before = tableCounts(h.store);
    const res = await post(w);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'CONTAINER_IN_USE',
      details: [{ path: '/orders/1/container', message: expect.stringContaining('W-3-O1') }],
    });
    expect(tableCounts(h.store)).toEqual(before);
    // the identical re-post of the first wave is still idempotent
    expect((await post(demoWave('W-3', 1, 1))).statusCode).toBe(200);
    h.waves.cancel('W-3');
    expect((await post(w)).statusCode).toBe(201);
  });

  it('documents the limits in the OpenAPI description of POST /waves', async () => {
    const spec = (await h.app.inject({ url: '/docs/json' })).json();
    const d: string = spec.paths['/api/v1/waves'].post.description;
    expect(d).toMatch(/10,?000 orders/);
    expect(d).toMatch(/10,?000 lines per order/);
    expect(d).toMatch(/body/i);
    expect(d).toMatch(/blank/);
  });
});
