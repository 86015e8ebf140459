import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

const line = (lineId: string, location: string, quantity: number) => ({
  lineId,
  sku: `SKU-${lineId}`,
  location,
  quantity,
});
const events = () => f.outbox.read(0, 1000);

describe('pick zone', () => {
  it('lights every open line of the scanned order in the zone, in the picker colour, with quantities', async () => {
    f.waves.submit({
      waveId: 'W1',
      orders: [
        {
          orderId: 'O1',
          container: 'T1',
          lines: [line('L1', 'A-01-01', 3), line('L2', 'A-01-05', 1), line('L3', 'B-02-01', 2)],
        },
      ],
    });
    const r = await f.commands.scan({ zone: 'A', code: 'T1', operator: 'jdoe' });
    expect(r.lit.map((l) => l.line_id)).toEqual(['L1', 'L2']);
    expect(r.color).toBe('green');
    expect(f.a.lit(1)).toMatchObject({ mode: 'on', color: 'green', display: 3 });
    expect(f.a.lit(5)).toMatchObject({ display: 1 });
    expect(f.b.lit(1)).toBeUndefined(); // zone B's line waits for zone B
    expect(f.waves.get('W1').status).toBe('active');
    expect(f.waves.getOrder('O1').lines.map((l) => l.status)).toEqual(['lit', 'lit', 'open']);
  });

  it('records confirm, a - correction as a short, the short key, then completes order and wave', async () => {
    f.waves.submit({
      waveId: 'W2',
      orders: [
        {
          orderId: 'O2',
          container: 'T2',
          lines: [line('L1', 'A-01-01', 3), line('L2', 'A-01-02', 4), line('L3', 'A-01-03', 2)],
        },
      ],
    });
    await f.commands.scan({ zone: 'A', code: 'T2', operator: 'jdoe' });
    f.a.press(1, 'confirm'); // 3 of 3
    f.a.press(2, 'confirm', 3); // display corrected with '-' to 3 of 4
    f.a.press(3, 'short'); // short key with the display untouched: none taken
    await until(() => f.waves.get('W2').status === 'completed', 'wave completed');
    await f.engine.idle();
    const lines = f.waves.getOrder('O2').lines;
    expect(lines.map((l) => [l.status, l.picked, l.reason, l.via, l.picker])).toEqual([
      ['picked', 3, null, 'light', 'jdoe'],
      ['short', 3, 'quantity', 'light', 'jdoe'],
      ['short', 0, 'short-key', 'light', 'jdoe'],
    ]);
    expect(f.a.lit(1) ?? f.a.lit(2) ?? f.a.lit(3)).toBeUndefined();
    expect(events().map((e) => e.type)).toEqual([
      'wave.accepted',
      'line.picked',
      'line.shorted',
      'line.shorted',
      'order.completed',
      'wave.completed',
    ]);
    const picked = events()[1];
    expect(picked.data).toMatchObject({
      waveId: 'W2',
      orderId: 'O2',
      lineId: 'L1',
      location: 'A-01-01',
      requested: 3,
      picked: 3,
      picker: 'jdoe',
      via: 'light',
    });
    expect(events()[5].data).toMatchObject({ lines: 3, picked: 1, shorted: 2, units: 6 });
  });

  it('flashes the done indicator when the order has nothing left in the zone, then clears it', async () => {
    f.waves.submit({
      waveId: 'W3',
      orders: [
        {
          orderId: 'O3',
          container: 'T3',
          lines: [line('L1', 'A-01-01', 1), line('L2', 'B-02-02', 1)],
        },
      ],
    });
    await f.commands.scan({ zone: 'A', code: 'T3', operator: 'jdoe' });
    f.a.press(1);
    await until(() => f.a.lit(100) !== undefined, 'done indicator lit');
    expect(f.a.lit(100)).toMatchObject({ mode: 'blink', color: 'green' });
    await until(() => f.a.lit(100) === undefined, 'done indicator cleared');
    expect(f.waves.getOrder('O3').status).toBe('active'); // zone B still to go (pick-and-pass)
    const b = await f.commands.scan({ zone: 'B', code: 'T3', operator: 'asmith' });
    expect(b.lit.map((l) => l.line_id)).toEqual(['L2']);
    // scanning at a zone where the order has nothing: done at once
    const none = await f.commands.scan({ zone: 'A', code: 'T3', operator: 'jdoe' });
    expect(none.done).toBe(true);
  });

  it('ignores a press with a stale job token or on a dark module, and counts it', async () => {
    f.waves.submit({
      waveId: 'W4',
      orders: [{ orderId: 'O4', container: 'T4', lines: [line('L1', 'A-01-01', 2)] }],
    });
    await f.commands.scan({ zone: 'A', code: 'T4', operator: 'jdoe' });
    const seq = f.a.lit(1)!.seq;
    f.a.press(1, 'confirm', 2, seq + 1000);
    f.a.press(7, 'confirm', 1, 5);
    await until(() => f.engine.stats().ignoredPresses === 2, 'two ignored presses');
    expect(f.waves.getOrder('O4').lines[0].status).toBe('lit');
    f.a.press(1);
    f.a.press(1); // a bounce after the commit: the line is closed, nothing happens twice
    await until(() => f.waves.getOrder('O4').status === 'completed', 'order completed');
    await until(() => f.engine.stats().ignoredPresses === 3, 'bounce ignored');
    expect(events().filter((e) => e.type === 'line.picked')).toHaveLength(1);
  });

  it('gives two pickers in one zone distinct colours, and a shared location waits for the module', async () => {
    f.waves.submit({
      waveId: 'W5',
      orders: [
        {
          orderId: 'O5a',
          container: 'T5a',
          lines: [line('La1', 'A-01-01', 1), line('La2', 'A-01-02', 2)],
        },
        {
          orderId: 'O5b',
          container: 'T5b',
          lines: [line('Lb1', 'A-01-02', 5), line('Lb2', 'A-01-03', 1)],
        },
      ],
    });
    const ra = await f.commands.scan({ zone: 'A', code: 'T5a', operator: 'jdoe' });
    const rb = await f.commands.scan({ zone: 'A', code: 'T5b', operator: 'asmith' });
    expect(ra.color).not.toBe(rb.color);
    expect(f.a.lit(1)!.color).toBe(ra.color);
    expect(f.a.lit(3)!.color).toBe(rb.color);
    expect(rb.waiting).toEqual([{ lineId: 'Lb1', location: 'A-01-02' }]);
    expect(f.waves.getOrder('O5b').lines[0]).toMatchObject({ status: 'open', flag: 'waiting' });
    expect(f.a.lit(2)).toMatchObject({ color: ra.color, display: 2 });
    f.a.press(2); // jdoe takes A-01-02: it now shows asmith's line
    await until(() => f.a.lit(2)?.color === rb.color, 'module 2 handed to the second picker');
    expect(f.a.lit(2)!.display).toBe(5);
    f.a.press(2);
    await until(
      () => f.waves.getOrder('O5b').lines[0].status === 'picked',
      'second picker confirmed',
    );
    expect(f.waves.getOrder('O5b').lines[0].picker).toBe('asmith');
    // the same picker keeps their colour for their next order
    f.waves.submit({
      waveId: 'W6',
      orders: [{ orderId: 'O6', container: 'T6', lines: [line('L61', 'A-01-09', 1)] }],
    });
    expect((await f.commands.scan({ zone: 'A', code: 'T6', operator: 'jdoe' })).color).toBe(
      ra.color,
    );
  });

  it('answers unknown codes and zones with precise errors', async () => {
    await expect(
      f.commands.scan({ zone: 'A', code: 'NOPE', operator: 'jdoe' }),
    ).rejects.toMatchObject({
      code: 'SCAN_NOT_MATCHED',
    });
    await expect(
      f.commands.scan({ zone: 'Z', code: 'NOPE', operator: 'jdoe' }),
    ).rejects.toMatchObject({
      code: 'ZONE_NOT_FOUND',
    });
  });

  it('switches off the lights of a cancelled wave and ignores presses for it', async () => {
    f.waves.submit({
      waveId: 'W7',
      orders: [{ orderId: 'O7', container: 'T7', lines: [line('L1', 'A-01-04', 2)] }],
    });
    await f.commands.scan({ zone: 'A', code: 'T7', operator: 'jdoe' });
    const seq = f.a.lit(4)!.seq;
    f.waves.cancel('W7');
    await until(() => f.a.lit(4) === undefined, 'light off after cancel');
    f.a.press(4, 'confirm', 2, seq);
    await until(() => f.engine.stats().ignoredPresses === 1, 'press ignored');
    expect(events().map((e) => e.type)).toEqual(['wave.accepted', 'wave.cancelled']);
  });

  it('lets an operator confirm or short a line from the API when a module is dead', async () => {
    f.waves.submit({
      waveId: 'W8',
      orders: [
        {
          orderId: 'O8',
          container: 'T8',
          lines: [line('L1', 'A-01-06', 2), line('L2', 'A-01-07', 3)],
        },
      ],
    });
    f.a.dead.add(7);
    const r = await f.commands.scan({ zone: 'A', code: 'T8', operator: 'jdoe' });
    expect(r.failed).toMatchObject([{ bus: 'bus-a', address: 7, ok: false }]);
    await f.commands.short({
      lineId: 'L2',
      quantity: 1,
      reason: 'damaged',
      operator: 'asmith',
      via: 'api',
    });
    await f.commands.confirm({ lineId: 'L1', via: 'api' });
    expect(
      f.waves.getOrder('O8').lines.map((l) => [l.status, l.picked, l.via, l.reason, l.picker]),
    ).toEqual([
      ['picked', 2, 'api', null, 'jdoe'], // the picker whose light it was
      ['short', 1, 'api', 'damaged', 'asmith'],
    ]);
    await expect(f.commands.confirm({ lineId: 'L1', via: 'api' })).rejects.toMatchObject({
      code: 'LINE_CLOSED',
    });
  });

  it('raises device.offline for a module that stops answering and marks its lit line', async () => {
    f.waves.submit({
      waveId: 'W9',
      orders: [{ orderId: 'O9', container: 'T9', lines: [line('L1', 'A-01-08', 2)] }],
    });
    await f.commands.scan({ zone: 'A', code: 'T9', operator: 'jdoe' });
    f.a.setOnline(8, true); // first report at start: not news
    expect(events().map((e) => e.type)).toEqual(['wave.accepted']);
    f.a.setOnline(8, false);
    const offline = events().find((e) => e.type === 'device.offline')!;
    expect(offline.data).toMatchObject({
      bus: 'bus-a',
      address: 8,
      location: 'A-01-08',
      litLine: 'L1',
    });
    expect(f.waves.getOrder('O9').lines[0].flag).toBe('device-offline');
    f.a.states.clear(); // it lost its state while away
    f.a.setOnline(8, true);
    await until(() => f.a.lit(8) !== undefined, 're-lit when back');
    expect(events().at(-1)!.type).toBe('device.online');
  });
});
