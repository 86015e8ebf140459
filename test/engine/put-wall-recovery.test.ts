import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeBus } from '../../device-drivers/testing/fake-bus.ts';
import { type FakeFloor, fakeFloor } from '../helpers/floor.ts';
import { tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FakeFloor;

beforeEach(async () => {
  tmp = tempDir();
  f = await fakeFloor(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const put = (orderId: string, lines: [string, string, number][], cubby?: string) => ({
  orderId,
  putWall: 'P',
  ...(cubby ? { cubby } : {}),
  lines: lines.map(([lineId, sku, quantity]) => ({ lineId, sku, quantity })),
});

describe('put wall', () => {
  it('lights the cubbies of every order needing the scanned SKU, assigning free cubbies, and frees them on completion', async () => {
    f.waves.submit({
      waveId: 'PW1',
      orders: [
        put(
          'P1',
          [
            ['P1-1', 'MUG', 2],
            ['P1-2', 'PEN', 1],
          ],
          'P-3',
        ),
        put('P2', [['P2-1', 'MUG', 1]]),
        put('P3', [['P3-1', 'PEN', 4]]),
      ],
    });
    const r = await f.commands.scan({ zone: 'P', code: 'MUG', operator: 'jdoe' });
    expect(r.mode).toBe('put');
    expect(r.orders).toEqual([
      { orderId: 'P1', container: null, cubby: 'P-3' },
      { orderId: 'P2', container: null, cubby: 'P-1' }, // first cubby no order holds
    ]);
    // P-3 is bus-b address 23, P-1 is address 21
    expect(f.b.lit(23)).toMatchObject({ display: 2, color: 'green' });
    expect(f.b.lit(21)).toMatchObject({ display: 1 });
    expect(f.b.lit(22)).toBeUndefined();
    f.b.press(21);
    await until(() => f.waves.getOrder('P2').status === 'completed', 'P2 completed');
    await f.engine.idle();
    expect(f.b.lit(21)).toBeUndefined();
    const done = f.outbox.read(0, 100).find((e) => e.type === 'order.completed')!;
    expect(done.data).toMatchObject({ orderId: 'P2', putWall: 'P', cubby: 'P-1' });
    // P-1 is free again: the next order without a cubby gets it
    const pen = await f.commands.scan({ zone: 'P', code: 'PEN', operator: 'jdoe' });
    expect(pen.orders.map((o) => [o.orderId, o.cubby])).toEqual([
      ['P1', 'P-3'],
      ['P3', 'P-1'],
    ]);
    // P-3 still shows the MUG line of P1: the PEN line waits for it
    expect(pen.waiting).toEqual([{ lineId: 'P1-2', location: 'P-3' }]);
    f.b.press(23);
    await until(() => f.b.lit(23)?.display === 1, 'P-3 shows the waiting PEN line');
    const picked = f.outbox
      .read(0, 100)
      .find((e) => e.type === 'line.picked' && e.data.lineId === 'P1-1')!;
    expect(picked.data).toMatchObject({ location: 'P-3', putWall: 'P', sku: 'MUG' });
  });

  it('answers SCAN_NOT_MATCHED for a SKU nobody needs', async () => {
    await expect(
      f.commands.scan({ zone: 'P', code: 'NOTHING', operator: 'jdoe' }),
    ).rejects.toMatchObject({
      code: 'SCAN_NOT_MATCHED',
    });
  });
});

describe('recovery', () => {
  it('after a restart re-lights exactly the modules that were lit, with the same quantities and tokens, and darkens the rest', async () => {
    f.waves.submit({
      waveId: 'R1',
      orders: [
        {
          orderId: 'R1-O',
          container: 'RT',
          lines: [1, 2, 3].map((i) => ({
            lineId: `R1-${i}`,
            sku: 'S',
            location: `A-01-0${i}`,
            quantity: i + 1,
          })),
        },
      ],
    });
    await f.commands.scan({ zone: 'A', code: 'RT', operator: 'jdoe' });
    f.a.press(1);
    await until(() => f.waves.getOrder('R1-O').lines[0].status === 'picked', 'first pick');
    await f.engine.idle();
    const before = new Map([...f.a.states].filter(([, s]) => s.mode !== 'off'));
    await f.stop();
    // the floor after a power cut: module 9 shows something stale
    const a = new FakeBus('bus-a');
    a.states.set(9, { mode: 'on', display: 7, seq: 1 });
    f = await fakeFloor(`${tmp.dir}/pl.db`, { buses: [a, new FakeBus('bus-b')] });
    await f.engine.idle();
    expect(new Map([...a.states].filter(([, s]) => s.mode !== 'off'))).toEqual(before);
    expect([...before.keys()].sort()).toEqual([2, 3]);
    a.press(2);
    a.press(3, 'confirm', 1);
    await until(() => f.waves.get('R1').status === 'completed', 'wave finished after restart');
    const types = f.outbox.read(0, 100).map((e) => e.type);
    expect(types.filter((t) => t === 'line.picked' || t === 'line.shorted')).toHaveLength(3);
  });
});
