import { afterEach, describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../config/schema.ts';
import { type FakeFloor, fakeFloor } from '../helpers/floor.ts';
import { tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FakeFloor;

async function floor(configure?: (c: SiteConfig) => void): Promise<void> {
  tmp = tempDir();
  f = await fakeFloor(`${tmp.dir}/pl.db`, { configure });
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
  await f.commands.scan({ zone: 'A', code: 'T1', operator: 'jdoe' });
}
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const lineOf = (id: string) => f.waves.getOrder('O1').lines.find((l) => l.lineId === id)!;
const picks = () => f.outbox.read(0, 1000).filter((e) => e.type.startsWith('line.'));

describe('over-picks', () => {
  it('refuses an operator confirm above the request and records nothing', async () => {
    await floor();
    await expect(
      f.commands.confirm({ lineId: 'L1', quantity: 5, via: 'api' }),
    ).rejects.toMatchObject({
      code: 'OVER_PICK',
      status: 422,
    });
    expect(lineOf('L1')).toMatchObject({ status: 'lit', picked: 0 });
    expect(picks()).toEqual([]);
  });

  it('refuses a short whose quantity is not below the request', async () => {
    await floor();
    for (const quantity of [3, 4]) {
      await expect(f.commands.short({ lineId: 'L2', quantity, via: 'api' })).rejects.toMatchObject({
        code: 'SHORT_NOT_BELOW_REQUEST',
      });
    }
    expect(lineOf('L2')).toMatchObject({ status: 'lit', picked: 0 });
    await f.commands.short({ lineId: 'L2', quantity: 2, via: 'api' });
    expect(lineOf('L2')).toMatchObject({ status: 'short', picked: 2 });
  });

  it('does not record a module confirm above the request: the module shows the request again', async () => {
    await floor();
    const seq = f.a.lit(1)!.seq;
    const writes = f.a.writes.length;
    f.a.press(1, 'confirm', 6); // '+' pressed five times, then confirm
    await until(() => f.engine.stats().refusedOverPicks === 1, 'over-pick counted');
    await f.engine.idle();
    expect(lineOf('L1')).toMatchObject({ status: 'lit', picked: 0 });
    expect(picks()).toEqual([]);
    expect(f.a.writes.slice(writes)).toEqual([
      { address: 1, state: expect.objectContaining({ display: 1, seq }) },
    ]);
    f.a.press(1, 'confirm', 1);
    await until(() => lineOf('L1').status === 'picked', 'the right quantity is recorded');
    expect(lineOf('L1').picked).toBe(1);
  });

  it('records an over-pick in a zone that allows them', async () => {
    await floor((c) => {
      c.zones.find((z) => z.id === 'A')!.allowOverPick = true;
    });
    f.a.press(1, 'confirm', 6);
    await until(() => lineOf('L1').status === 'picked', 'over-pick recorded');
    expect(lineOf('L1').picked).toBe(6);
    await f.commands.confirm({ lineId: 'L2', quantity: 4, via: 'api' });
    expect(lineOf('L2')).toMatchObject({ status: 'picked', picked: 4 });
    expect(picks().map((e) => [e.type, e.data.requested, e.data.picked])).toEqual([
      ['line.picked', 1, 6],
      ['line.picked', 3, 4],
    ]);
  });
});
