import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../config/schema.ts';
import { type FloorApi, floorApi } from '../helpers/floor-api.ts';
import { auth, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FloorApi;

async function start(configure?: (c: SiteConfig) => void): Promise<void> {
  tmp = tempDir();
  f = await floorApi(`${tmp.dir}/pl.db`, { configure });
  f.waves.submit({
    waveId: 'W1',
    orders: [
      {
        orderId: 'O1',
        container: 'T1',
        lines: [{ lineId: 'L1', sku: 'S1', location: 'A-01-01', quantity: 1 }],
      },
    ],
  });
}
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const post = (url: string, payload: object) =>
  f.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: auth('operator'), payload });

describe('floor input rules', () => {
  beforeEach(() => start());

  it('refuses a blank scan code or picker with 400 INVALID_REQUEST', async () => {
    const res = await post('/zones/A/scan', { code: '  ', picker: ' ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
    expect(
      res
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['body:/code', 'body:/picker']);
    expect(f.waves.getOrder('O1').status).toBe('open');
  });

  it('refuses a scan by a picker who is not a configured operator with 422 UNKNOWN_OPERATOR', async () => {
    const res = await post('/zones/A/scan', { code: 'T1', picker: 'mallory' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'UNKNOWN_OPERATOR',
      details: [{ path: '/picker' }],
    });
    expect(f.waves.getOrder('O1').status).toBe('open');
    expect(f.a.lit(1)).toBeUndefined();
    expect((await post('/zones/A/scan', { code: 'T1', picker: 'jdoe' })).statusCode).toBe(200);
  });

  it('refuses a confirm naming a picker who is not a configured operator', async () => {
    const res = await post('/lines/L1/confirm', { picker: 'mallory' });
    expect(res.statusCode).toBe(422);
    // the detail names the body's field: the contract calls the operator `picker`
    expect(res.json().error).toMatchObject({
      code: 'UNKNOWN_OPERATOR',
      message: '"mallory" is not a configured operator',
      details: [{ path: '/picker', message: 'is not one of the configured operators' }],
    });
    expect(f.waves.getOrder('O1').lines[0].status).toBe('open');
  });
});

describe('floor input rules without operators configured', () => {
  beforeEach(() =>
    start((c) => {
      delete c.operators;
    }),
  );

  it('takes any picker id', async () => {
    expect((await post('/zones/A/scan', { code: 'T1', picker: 'mallory' })).statusCode).toBe(200);
  });
});
