/**
 * Issue 7 items 5 and 6 at the engine: health and `device-offline` flags are
 * recomputed on start (a module that answers again after a restart clears its
 * flag and raises device.online), and a scan onto a module that is offline
 * flags its line instead of reporting it simply lit.
 */
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

const wave = (n: string, location: string) => ({
  waveId: `W${n}`,
  orders: [
    {
      orderId: `O${n}`,
      container: `T${n}`,
      lines: [{ lineId: `L${n}`, sku: 'S', location, quantity: 2 }],
    },
  ],
});
const types = () => f.outbox.read(0, 1000).map((e) => e.type);

describe('module health across a restart', () => {
  it('clears a device-offline flag and raises device.online when the module answers after a restart', async () => {
    f.waves.submit(wave('1', 'A-01-05'));
    await f.commands.scan({ zone: 'A', code: 'T1', operator: 'jdoe' });
    f.a.setOnline(5, false);
    expect(f.waves.getOrder('O1').lines[0].flag).toBe('device-offline');

    await f.stop(); // restart on the same database; the module answers again
    f = await fakeFloor(`${tmp.dir}/pl.db`);
    f.a.setOnline(5, true); // the driver's first report after start
    expect(f.waves.getOrder('O1').lines[0].flag).toBeNull();
    expect(types().filter((t) => t.startsWith('device.'))).toEqual([
      'device.offline',
      'device.online',
    ]);
    await until(() => f.a.lit(5) !== undefined, 're-lit');
  });

  it('does not repeat device.offline after a restart for a module still offline', async () => {
    f.waves.submit(wave('2', 'A-01-06'));
    await f.commands.scan({ zone: 'A', code: 'T2', operator: 'jdoe' });
    f.a.setOnline(6, false);
    await f.stop();
    f = await fakeFloor(`${tmp.dir}/pl.db`);
    f.a.setOnline(6, false);
    expect(types().filter((t) => t.startsWith('device.'))).toEqual(['device.offline']);
    expect(f.waves.getOrder('O2').lines[0].flag).toBe('device-offline');
  });

  it('flags a line scanned onto a module that is offline (e.g. its bus is down)', async () => {
    f.a.setOnline(7, false);
    f.waves.submit(wave('3', 'A-01-07'));
    const r = await f.commands.scan({ zone: 'A', code: 'T3', operator: 'jdoe' });
    expect(r.failed.map((o) => o.address)).toEqual([7]);
    expect(f.waves.getOrder('O3').lines[0].flag).toBe('device-offline');
  });
});
