import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFloor, fakeFloor, voiceWave } from '../helpers/floor.ts';
import { tableCounts, tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FakeFloor;

beforeEach(async () => {
  tmp = tempDir();
  f = await fakeFloor(`${tmp.dir}/pl.db`, {
    configure: (c) => {
      c.operators = ['op1', 'op2', 'op3', 'op4', 'op5'].map((id) => ({ id, pin: '1234' }));
      c.scanners = [
        { id: 'SC-A', zone: 'A', picker: 'op3', color: 'yellow' },
        { id: 'SC-A2', zone: 'A', picker: 'op4', color: 'yellow' },
        { id: 'SC-B', zone: 'B', picker: 'op5' },
      ];
    },
  });
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

const pickWave = (n: number, location: string) => ({
  waveId: `PW${n}`,
  orders: [
    {
      orderId: `PO${n}`,
      container: `PT${n}`,
      lines: [{ lineId: `PL${n}`, sku: 'S', location, quantity: 2 }],
    },
  ],
});
const sessionsOf = (zone: string) =>
  f.store.db
    .prepare('SELECT order_id, picker, color FROM zone_sessions WHERE zone = ? ORDER BY order_id')
    .all(zone);

describe('scanner scans (zone + code, no picker)', () => {
  it("lights in the scanner's colour and records the scanner's picker", async () => {
    f.waves.submit(pickWave(1, 'A-01-01'));
    const r = await f.commands.scan({ zone: 'A', code: 'PT1', scanner: 'SC-A' });
    expect(r).toMatchObject({ operator: 'op3', color: 'yellow' });
    await f.engine.idle();
    expect(f.a.lit(1)).toMatchObject({ mode: 'on', color: 'yellow', display: 2 });
    f.a.press(1, 'confirm');
    await until(() => f.waves.getOrder('PO1').status === 'completed', 'order completed');
    expect(f.waves.getOrder('PO1').lines[0]).toMatchObject({ picker: 'op3', via: 'light' });
  });

  it('without a colour takes the first free one; a named picker still wins', async () => {
    f.waves.submit(pickWave(1, 'B-02-01'));
    const r = await f.commands.scan({ zone: 'B', code: 'PT1', scanner: 'SC-B' });
    expect(r).toMatchObject({ operator: 'op5', color: 'green' });
    f.waves.submit(pickWave(2, 'A-01-02'));
    const named = await f.commands.scan({ zone: 'A', code: 'PT2', operator: 'op1' });
    expect(named).toMatchObject({ operator: 'op1', color: 'green' });
  });

  it('refuses a scan with neither operator nor scanner, an unknown scanner, or one of another zone', async () => {
    f.waves.submit(pickWave(1, 'A-01-01'));
    const before = tableCounts(f.store);
    await expect(f.commands.scan({ zone: 'A', code: 'PT1' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      status: 400,
      details: [{ path: '/operator', message: 'is required when no scanner is named' }],
    });
    await expect(
      f.commands.scan({ zone: 'A', code: 'PT1', scanner: 'NOPE' }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_SCANNER' });
    await expect(
      f.commands.scan({ zone: 'A', code: 'PT1', scanner: 'SC-B' }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_SCANNER', message: /scans at zone B/ });
    expect(tableCounts(f.store)).toEqual(before);
    expect(f.a.lit(1)).toBeUndefined();
  });

  it("release frees the operator's colour: another scanner with that colour can then start", async () => {
    f.waves.submit(pickWave(1, 'A-01-01'));
    f.waves.submit(pickWave(2, 'A-01-02'));
    await f.commands.scan({ zone: 'A', code: 'PT1', scanner: 'SC-A' });
    await expect(
      f.commands.scan({ zone: 'A', code: 'PT2', scanner: 'SC-A2' }),
    ).rejects.toMatchObject({ code: 'ZONE_BUSY', message: /colour yellow/ });
    const ended = await f.commands.release({ zone: 'A', operator: 'op3' });
    expect(ended.map((s) => [s.orderId, s.color, s.unlit])).toEqual([['PO1', 'yellow', ['PL1']]]);
    await f.engine.idle();
    expect(f.a.lit(1)).toBeUndefined();
    const r = await f.commands.scan({ zone: 'A', code: 'PT2', scanner: 'SC-A2' });
    expect(r).toMatchObject({ operator: 'op4', color: 'yellow' });
    expect(sessionsOf('A')).toEqual([{ order_id: 'PO2', picker: 'op4', color: 'yellow' }]);
    await expect(f.commands.release({ zone: 'A', operator: 'op3' })).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
  });
});

describe('voice task assignment', () => {
  it('gives the lines of the order in location order, with check digits and what is left', () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['05', '02', '04'] }));
    const t = f.commands.nextTask({ zone: 'V', operator: 'op1' });
    expect(t).toEqual({
      zone: 'V',
      operator: 'op1',
      waveId: 'VW1',
      orderId: 'VO1',
      container: 'C-VO1',
      lineId: 'VO1-02',
      sku: 'SKU-02',
      description: 'item 02',
      quantity: 2,
      location: 'V-03-02',
      aisle: '03',
      slot: '02',
      checkDigits: '17',
      skipped: false,
      left: { lines: 3, units: 11 },
    });
    expect(f.waves.get('VW1').status).toBe('active');
    // asking again gives the same task: nothing was confirmed
    expect(f.commands.nextTask({ zone: 'V', operator: 'op1' })?.lineId).toBe('VO1-02');
  });

  it('puts a skipped line after the others, in the order skipped, and keeps it across a restart', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['01', '02', '03', '04'] }));
    const c = f.commands;
    expect(c.nextTask({ zone: 'V', operator: 'op1' })?.lineId).toBe('VO1-01');
    expect(c.skip({ lineId: 'VO1-01', operator: 'op1' })?.lineId).toBe('VO1-02');
    expect(c.skip({ lineId: 'VO1-02', operator: 'op1' })?.lineId).toBe('VO1-03');
    await f.restart();
    const order: string[] = [];
    for (let t = c.nextTask({ zone: 'V', operator: 'op1' }); t; ) {
      order.push(`${t.lineId}${t.skipped ? ' (skipped)' : ''}`);
      await c.confirm({ lineId: t.lineId, via: 'voice', operator: 'op1' });
      t = c.nextTask({ zone: 'V', operator: 'op1' });
    }
    expect(order).toEqual(['VO1-03', 'VO1-04', 'VO1-01 (skipped)', 'VO1-02 (skipped)']);
    expect(f.waves.getOrder('VO1').status).toBe('completed');
    expect(sessionsOf('V')).toEqual([]);
  });

  it('gives two operators different orders, by wave priority then intake order', () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['01'], VO2: ['02'] }));
    f.waves.submit({ ...voiceWave('VW2', { VO3: ['03'] }), priority: 5 });
    const c = f.commands;
    expect(c.nextTask({ zone: 'V', operator: 'op1' })?.orderId).toBe('VO3');
    expect(c.nextTask({ zone: 'V', operator: 'op2' })?.orderId).toBe('VO1');
    expect(c.nextTask({ zone: 'V', operator: 'op1' })?.orderId).toBe('VO3');
    expect(c.nextTask({ zone: 'V', operator: 'op3' })?.orderId).toBe('VO2');
    expect(c.nextTask({ zone: 'V', operator: 'op4' })).toBeNull();
    expect(sessionsOf('V')).toEqual([
      { order_id: 'VO1', picker: 'op2', color: 'none' },
      { order_id: 'VO2', picker: 'op3', color: 'none' },
      { order_id: 'VO3', picker: 'op1', color: 'none' },
    ]);
  });

  it('records a voice confirm once, with via "voice", for the operator whose task it is', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['03', '04'] }));
    const c = f.commands;
    const t = c.nextTask({ zone: 'V', operator: 'op1' })!;
    await expect(
      c.confirm({ lineId: t.lineId, via: 'voice', operator: 'op2' }),
    ).rejects.toMatchObject({ code: 'TASK_NOT_ASSIGNED' });
    await expect(c.confirm({ lineId: t.lineId, via: 'voice' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    await c.confirm({ lineId: t.lineId, via: 'voice', operator: 'op1' });
    await expect(
      c.confirm({ lineId: t.lineId, via: 'voice', operator: 'op1' }),
    ).rejects.toMatchObject({ code: 'LINE_CLOSED' });
    const picked = f.outbox.read(0, 100).filter((e) => e.type === 'line.picked');
    expect(picked.map((e) => e.data)).toEqual([
      expect.objectContaining({ lineId: 'VO1-03', picked: 3, picker: 'op1', via: 'voice' }),
    ]);
    // short product: less than requested, recorded as a short by voice
    const next = c.nextTask({ zone: 'V', operator: 'op1' })!;
    expect(next).toMatchObject({ lineId: 'VO1-04', left: { lines: 1, units: 4 } });
    await c.short({ lineId: next.lineId, quantity: 1, via: 'voice', operator: 'op1' });
    expect(f.waves.getOrder('VO1').lines.map((l) => [l.status, l.picked, l.via, l.reason])).toEqual(
      [
        ['picked', 3, 'voice', null],
        ['short', 1, 'voice', 'short-product'],
      ],
    );
    expect(f.outbox.read(0, 100).map((e) => e.type)).toEqual([
      'wave.accepted',
      'line.picked',
      'line.shorted',
      'order.completed',
      'wave.completed',
    ]);
    expect(c.nextTask({ zone: 'V', operator: 'op1' })).toBeNull();
  });

  it('refuses next-task outside voice zones, unknown operators, and skips of another operator', () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['01'] }));
    const c = f.commands;
    expect(() => c.nextTask({ zone: 'A', operator: 'op1' })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    expect(() => c.nextTask({ zone: 'Z', operator: 'op1' })).toThrow(
      expect.objectContaining({ code: 'ZONE_NOT_FOUND' }),
    );
    expect(() => c.nextTask({ zone: 'V', operator: 'ghost' })).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_OPERATOR',
        details: [{ path: '/operator', message: 'is not one of the configured operators' }],
      }),
    );
    const before = tableCounts(f.store);
    expect(() => c.skip({ lineId: 'VO1-01', operator: 'op1' })).toThrow(
      expect.objectContaining({ code: 'TASK_NOT_ASSIGNED' }),
    );
    expect(tableCounts(f.store)).toEqual(before);
    c.nextTask({ zone: 'V', operator: 'op1' });
    expect(() => c.skip({ lineId: 'VO1-01', operator: 'op2' })).toThrow(
      expect.objectContaining({ code: 'TASK_NOT_ASSIGNED' }),
    );
  });

  it("ends the voice session when the order's last line in the zone is done, though the order stays open", async () => {
    f.waves.submit({
      waveId: 'VW1',
      orders: [
        {
          orderId: 'VO1',
          lines: [
            { lineId: 'VO1-V', sku: 'S', location: 'V-03-01', quantity: 1 },
            { lineId: 'VO1-A', sku: 'S', location: 'A-01-01', quantity: 1 },
          ],
        },
      ],
    });
    const c = f.commands;
    expect(c.nextTask({ zone: 'V', operator: 'op1' })?.lineId).toBe('VO1-V');
    await c.confirm({ lineId: 'VO1-V', via: 'voice', operator: 'op1' });
    expect(sessionsOf('V')).toEqual([]);
    expect(f.waves.getOrder('VO1').status).toBe('active');
  });

  it('hands a released voice order to the next operator who asks', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['01'] }));
    const c = f.commands;
    c.nextTask({ zone: 'V', operator: 'op1' });
    expect(c.nextTask({ zone: 'V', operator: 'op2' })).toBeNull();
    await c.release({ zone: 'V', orderId: 'VO1' });
    expect(c.nextTask({ zone: 'V', operator: 'op2' })?.orderId).toBe('VO1');
  });
});
