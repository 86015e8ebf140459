import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FloorApi, floorApi } from '../helpers/floor-api.ts';
import { auth, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FloorApi;

beforeEach(async () => {
  tmp = tempDir();
  f = await floorApi(`${tmp.dir}/pl.db`);
  f.waves.submit({
    waveId: 'W1',
    orders: [
      {
        orderId: 'O1',
        container: 'T1',
        lines: [
          { lineId: 'L1', sku: 'S1', location: 'A-01-01', quantity: 1 },
          { lineId: 'L2', sku: 'S2', location: 'A-01-02', quantity: 3 },
        ],
      },
    ],
  });
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const close = (lineId: string, action: 'confirm' | 'short', payload?: object) =>
  f.app.inject({
    method: 'POST',
    url: `/api/v1/lines/${lineId}/${action}`,
    headers: auth('operator'),
    payload,
  });
const lineOf = (id: string) => f.waves.getOrder('O1').lines.find((l) => l.lineId === id)!;

describe('POST /lines/{id}/confirm and /short', () => {
  it('refuses a confirm above the request with 422 OVER_PICK and records nothing', async () => {
    const res = await close('L1', 'confirm', { quantity: 5 });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'OVER_PICK', details: [{ path: '/quantity' }] });
    expect(lineOf('L1')).toMatchObject({ status: 'open', picked: 0 });
  });

  it('refuses a short that is not below the request with 422 SHORT_NOT_BELOW_REQUEST', async () => {
    for (const quantity of [3, 9]) {
      const res = await close('L2', 'short', { quantity });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('SHORT_NOT_BELOW_REQUEST');
    }
    expect(lineOf('L2')).toMatchObject({ status: 'open', picked: 0 });
  });

  it('takes confirm and short without a body and without Content-Type', async () => {
    const c = await close('L1', 'confirm');
    expect(c.statusCode).toBe(200);
    expect(c.json()).toMatchObject({ lineId: 'L1', status: 'picked', picked: 1 });
    const s = await close('L2', 'short');
    expect(s.statusCode).toBe(200);
    expect(s.json()).toMatchObject({
      lineId: 'L2',
      status: 'short',
      picked: 0,
      reason: 'operator',
    });
    expect(new Date(s.json().updatedAt).toISOString()).toBe(s.json().updatedAt);
  });
});
