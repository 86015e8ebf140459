import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FloorApi, floorApi } from '../helpers/floor-api.ts';
import { auth, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FloorApi;

beforeEach(async () => {
  tmp = tempDir();
  f = await floorApi(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const call = (
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  role: Parameters<typeof auth>[0],
  payload?: object,
) => f.app.inject({ method, url: `/api/v1${url}`, headers: auth(role), payload });

describe('zone sessions over the API', () => {
  beforeEach(async () => {
    f.waves.submit({
      waveId: 'W1',
      orders: [
        {
          orderId: 'O1',
          container: 'T1',
          lines: [{ lineId: 'L1', sku: 'S', location: 'A-01-01', quantity: 1 }],
        },
      ],
    });
    expect(
      (await call('POST', '/zones/A/scan', 'operator', { code: 'T1', picker: 'jdoe' })).statusCode,
    ).toBe(200);
  });

  it('GET /zones/{id} shows each session with its start (ISO-8601) and age', async () => {
    const z = (await call('GET', '/zones/A', 'viewer')).json();
    expect(z.sessions).toHaveLength(1);
    expect(z.sessions[0]).toMatchObject({ orderId: 'O1', picker: 'jdoe', color: 'green' });
    expect(new Date(z.sessions[0].startedAt).toISOString()).toBe(z.sessions[0].startedAt);
    expect(z.sessions[0].ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it('DELETE /zones/{id}/sessions/{orderId} ends a session for an operator or a technician', async () => {
    expect((await call('DELETE', '/zones/A/sessions/O1', 'wms')).statusCode).toBe(403);
    const res = await call('DELETE', '/zones/A/sessions/O1', 'technician');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ zone: 'A', orderId: 'O1', picker: 'jdoe', unlit: ['L1'] });
    expect((await call('GET', '/zones/A', 'viewer')).json().sessions).toEqual([]);
    expect(f.a.lit(1)).toBeUndefined();
    const again = await call('DELETE', '/zones/A/sessions/O1', 'operator');
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('SESSION_NOT_FOUND');
    expect((await call('DELETE', '/zones/Z/sessions/O1', 'operator')).json().error.code).toBe(
      'ZONE_NOT_FOUND',
    );
  });
});
