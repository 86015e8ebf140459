/**
 * Issue 7 item 7: a press made while the controller (or the link) was away is
 * held by the module (EVENT_COUNT, KEY, QTY, SEQ). When its job token is the
 * module's current lit job it is delivered once; anything else is stale.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfiles } from '../../../config/profiles.ts';
import type { BusConfig } from '../../../config/schema.ts';
import { createBus } from '../../../device-drivers/index.ts';
import type { KeyEvent } from '../../../device-drivers/types.ts';
import { ModuleBank } from '../../../simulators/modbus/index.ts';
import { until } from '../../kit/until.ts';
import { BankTransport } from './bank-transport.ts';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

/** FC16 of MODE=on, COLOR=green, DISPLAY=3, JOB_SEQ=seq: what the controller wrote before it went away */
const litWith = (seq: number) =>
  Buffer.from([0x10, 0, 0, 0, 4, 8, 0, 1, 0, 2, 0, 3, seq >> 8, seq & 0xff]);

async function restart(bank: ModuleBank) {
  const cfg = {
    id: 'h',
    transport: 'modbus-tcp',
    host: 'memory',
    profile: 'pickline-ptl-v1',
    healthIntervalMs: 100,
  } as BusConfig;
  const bus = createBus(
    cfg,
    { profiles: loadProfiles(), addresses: [1, 2] },
    { modbus: { transport: new BankTransport(bank) } },
  );
  stops.push(() => bus.stop());
  const keys: KeyEvent[] = [];
  bus.onKey((e) => keys.push(e));
  await bus.start();
  return { bus, keys };
}

describe('presses held by the module while the controller was away', () => {
  it('delivers once a press whose token is the current lit job', async () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2] });
    bank.module(1).execute(litWith(7));
    bank.module(1).minus(1);
    bank.module(1).press('confirm'); // while the controller is down
    const { bus, keys } = await restart(bank);
    await bus.light(1, { mode: 'on', color: 'green', display: 3, seq: 7 }); // recovery re-lights
    await until(() => keys.length > 0, 'held press delivered');
    await new Promise((r) => setTimeout(r, 300)); // more polls and sweeps
    expect(keys.map((k) => [k.address, k.key, k.seq, k.display])).toEqual([[1, 'confirm', 7, 2]]);
  });

  it('counts a held press of another job as stale', async () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2] });
    bank.module(2).execute(litWith(6));
    bank.module(2).press('confirm');
    const { bus, keys } = await restart(bank);
    await bus.light(2, { mode: 'on', color: 'green', display: 3, seq: 8 });
    await until(() => bus.modules()[1].counters.staleEvents === 1, 'stale counted');
    expect(keys).toEqual([]);
  });

  it('delivers a press made while the module was offline within one run', async () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2] });
    const { bus, keys } = await restart(bank);
    await until(() => bus.info().online === 2, 'online');
    await bus.light(1, { mode: 'on', color: 'green', display: 3, seq: 9 });
    bank.module(1).setFault({ kind: 'silence' });
    await until(() => !bus.modules()[0].online, 'offline', 5000);
    bank.module(1).press('confirm');
    bank.module(1).setFault(null);
    await until(() => keys.length > 0, 'press delivered after the return', 5000);
    expect(keys.map((k) => [k.key, k.seq])).toEqual([['confirm', 9]]);
  });
});
