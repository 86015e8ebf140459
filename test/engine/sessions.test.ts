import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFloor, fakeFloor } from '../helpers/floor.ts';
import { tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FakeFloor;

beforeEach(async () => {
  tmp = tempDir();
  f = await fakeFloor(`${tmp.dir}/pl.db`, {
    configure: (c) => {
      c.operators = Array.from({ length: 8 }, (_, i) => ({ id: `op${i + 1}`, pin: '1234' }));
    },
  });
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const oneLineWave = (n: number, location = 'A-01-01') => ({
  waveId: `SW${n}`,
  orders: [
    {
      orderId: `SO${n}`,
      container: `ST${n}`,
      lines: [{ lineId: `SL${n}`, sku: 'S', location, quantity: 2 }],
    },
  ],
});
const sessionsOf = (zone: string) =>
  f.store.db.prepare('SELECT order_id FROM zone_sessions WHERE zone = ?').all(zone);

describe('zone sessions', () => {
  it('ends the sessions of a cancelled wave, so cancels never use up the zone colours', async () => {
    // zone A has six colours: seven scan-then-cancel rounds by seven pickers
    for (let n = 1; n <= 7; n++) {
      f.waves.submit(oneLineWave(n));
      const r = await f.commands.scan({ zone: 'A', code: `ST${n}`, operator: `op${n}` });
      expect(r.lit).toHaveLength(1);
      f.waves.cancel(`SW${n}`);
    }
    expect(sessionsOf('A')).toEqual([]);
  });

  it('ends the session of a cancelled order that had nothing lit (its line waited)', async () => {
    f.waves.submit(oneLineWave(1));
    f.waves.submit(oneLineWave(2));
    await f.commands.scan({ zone: 'A', code: 'ST1', operator: 'op1' });
    const r = await f.commands.scan({ zone: 'A', code: 'ST2', operator: 'op2' });
    expect(r.waiting).toHaveLength(1);
    f.waves.cancel('SW2');
    expect(sessionsOf('A')).toEqual([{ order_id: 'SO1' }]);
  });

  it('frees sessions left behind by an older version at start', async () => {
    f.waves.submit(oneLineWave(1));
    await f.commands.scan({ zone: 'A', code: 'ST1', operator: 'op1' });
    f.waves.cancel('SW1');
    // what a cancel left in the database before sessions were ended with it
    f.store.db
      .prepare(
        "INSERT OR REPLACE INTO zone_sessions (zone, order_id, picker, color, started_at) VALUES ('A', 'SO1', 'op1', 'green', '2020-01-01T00:00:00.000Z')",
      )
      .run();
    await f.restart();
    expect(sessionsOf('A')).toEqual([]);
  });

  it('lets a supervisor end a stuck session: its lights go off, its lines can be scanned again', async () => {
    f.waves.submit({
      waveId: 'SW9',
      orders: [
        {
          orderId: 'SO9',
          container: 'ST9',
          lines: [
            { lineId: 'SL9a', sku: 'S', location: 'A-01-01', quantity: 1 },
            { lineId: 'SL9b', sku: 'S', location: 'A-01-02', quantity: 1 },
          ],
        },
      ],
    });
    f.waves.submit(oneLineWave(10, 'A-01-02'));
    await f.commands.scan({ zone: 'A', code: 'ST9', operator: 'op1' });
    const waiting = await f.commands.scan({ zone: 'A', code: 'ST10', operator: 'op2' });
    expect(waiting.waiting).toHaveLength(1);
    const ended = await f.commands.endSession({ zone: 'A', orderId: 'SO9' });
    expect(ended).toMatchObject({ zone: 'A', orderId: 'SO9', operator: 'op1', color: 'green' });
    await f.engine.idle();
    expect(sessionsOf('A')).toEqual([{ order_id: 'SO10' }]);
    expect(f.a.lit(1)).toBeUndefined();
    // the module it held now shows the line that waited for it
    await until(() => f.a.lit(2)?.color === waiting.color, 'module 2 handed over');
    expect(f.waves.getOrder('SO9').lines.map((l) => [l.status, l.flag])).toEqual([
      ['open', null],
      ['open', null],
    ]);
    const again = await f.commands.scan({ zone: 'A', code: 'ST9', operator: 'op1' });
    expect(again.lit.map((l) => l.line_id)).toEqual(['SL9a']);
    expect(again.waiting.map((l) => l.lineId)).toEqual(['SL9b']);
    await expect(f.commands.endSession({ zone: 'A', orderId: 'NOPE' })).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
    await expect(f.commands.endSession({ zone: 'Z', orderId: 'SO9' })).rejects.toMatchObject({
      code: 'ZONE_NOT_FOUND',
    });
  });

  it('shows the age of each session in the zone status', async () => {
    f.waves.submit(oneLineWave(1));
    await f.commands.scan({ zone: 'A', code: 'ST1', operator: 'op1' });
    f.store.db.prepare("UPDATE zone_sessions SET started_at = '2020-01-01T00:00:00.000Z'").run();
    const s = f.commands.zoneStatus('A').sessions[0];
    expect(s).toMatchObject({ orderId: 'SO1', startedAt: '2020-01-01T00:00:00.000Z' });
    expect(s.ageSeconds).toBeGreaterThan(60 * 60 * 24 * 365);
  });
});
