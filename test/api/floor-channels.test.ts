import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FloorApi, floorApi } from '../helpers/floor-api.ts';
import { auth, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FloorApi;

beforeEach(async () => {
  tmp = tempDir();
  f = await floorApi(`${tmp.dir}/pl.db`, {
    configure: (c) => {
      c.scanners = [{ id: 'SC-A', zone: 'A', picker: 'asmith', color: 'blue' }];
    },
  });
  f.waves.submit({
    waveId: 'W1',
    orders: [
      {
        orderId: 'O1',
        container: 'T1',
        lines: [{ lineId: 'L1', sku: 'S1', location: 'A-01-01', quantity: 1 }],
      },
      {
        orderId: 'O2',
        container: 'T2',
        lines: [
          { lineId: 'V2', sku: 'S2', location: 'V-03-02', quantity: 2 },
          { lineId: 'V1', sku: 'S1', location: 'V-03-01', quantity: 1 },
        ],
      },
    ],
  });
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const post = (url: string, payload: object) =>
  f.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: auth('operator'), payload });

describe('input channels over REST', () => {
  it('scans with a scanner instead of a picker; neither is a 400 that changes nothing', async () => {
    const none = await post('/zones/A/scan', { code: 'T1' });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toMatchObject({
      code: 'INVALID_REQUEST',
      details: [{ path: '/picker', message: 'is required when no scanner is named' }],
    });
    expect(f.commands.zoneStatus('A').sessions).toEqual([]);
    const r = await post('/zones/A/scan', { code: 'T1', scanner: 'SC-A' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ picker: 'asmith', color: 'blue', lit: [{ lineId: 'L1' }] });
    expect((await post('/zones/A/scan', { code: 'T1', scanner: 'X' })).json().error.code).toBe(
      'UNKNOWN_SCANNER',
    );
  });

  it('assigns voice tasks in location order and skips lines to the end', async () => {
    const t = await post('/zones/V/tasks/next', { operator: 'jdoe' });
    expect(t.statusCode).toBe(200);
    expect(t.json().task).toMatchObject({ orderId: 'O2', lineId: 'V1', checkDigits: '84' });
    expect((await post('/zones/V/tasks/next', { operator: 'asmith' })).json()).toEqual({
      task: null,
    });
    const s = await post('/lines/V1/skip', { operator: 'jdoe' });
    expect(s.json().task).toMatchObject({ lineId: 'V2', skipped: false });
    expect((await post('/lines/V1/skip', { operator: 'asmith' })).statusCode).toBe(409);
    expect((await post('/zones/A/tasks/next', { operator: 'jdoe' })).statusCode).toBe(400);
    expect((await post('/zones/V/tasks/next', {})).statusCode).toBe(400);
  });
});
