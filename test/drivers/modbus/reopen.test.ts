/**
 * Issue 7 item 5: a serial bus whose port does not exist at start (USB
 * adapter plugged in later) or disappears (unplugged) retries with backoff and
 * comes back by itself; while it is down its modules are offline. The port is
 * a socat pty symlink that appears when socat starts and goes when it is killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfiles } from '../../../config/profiles.ts';
import type { BusConfig } from '../../../config/schema.ts';
import { createBus } from '../../../device-drivers/index.ts';
import type { HealthChange } from '../../../device-drivers/types.ts';
import { ModbusRtuSimulator, ModuleBank } from '../../../simulators/modbus/index.ts';
import { socatAvailable } from '../../helpers/socat.ts';
import { until } from '../../kit/until.ts';

const ADDRESSES = [1, 2];
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** socat with fixed symlink names; returns a stop function that kills socat and the simulator. */
async function plugIn(dir: string, bank: ModuleBank): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn(
    'socat',
    [`pty,raw,echo=0,link=${dir}/bus`, `pty,raw,echo=0,link=${dir}/sim`],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await until(() => existsSync(`${dir}/bus`) && existsSync(`${dir}/sim`), 'pty links', 5000);
  const sim = new ModbusRtuSimulator(bank, {
    path: `${dir}/sim`,
    baudRate: 115200,
    parity: 'none',
  });
  await sim.start();
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await sim.stop().catch(() => {});
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    // a killed socat leaves its links behind, pointing at freed ptys that a new
    // socat may reuse; on a real floor udev removes the device node on unplug
    for (const link of ['bus', 'sim']) rmSync(join(dir, link), { force: true });
  };
}

describe.skipIf(!socatAvailable())('a serial port that comes and goes', () => {
  it('starts on a missing port, comes online when it appears, and again after an unplug', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pickline-tty-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: ADDRESSES });
    const cfg = {
      id: 'r',
      transport: 'modbus-rtu',
      path: `${dir}/bus`,
      baudRate: 115200,
      parity: 'none',
      profile: 'pickline-ptl-v1',
      healthIntervalMs: 200,
    } as BusConfig;
    const bus = createBus(cfg, { profiles: loadProfiles(), addresses: ADDRESSES });
    cleanup.push(() => bus.stop());
    const health: HealthChange[] = [];
    bus.onHealth((h) => health.push(h));

    await bus.start(); // the port is missing: start still succeeds
    await until(
      () => ADDRESSES.every((a) => health.some((h) => h.address === a && !h.online)),
      'offline while the port is missing',
    );
    expect(bus.info().online).toBe(0);

    let unplug = await plugIn(dir, bank);
    cleanup.push(() => unplug());
    await until(() => bus.info().online === 2, 'online once the port exists', 10_000);
    await bus.light(1, { mode: 'on', color: 'green', display: 3, seq: 11 });
    expect(bank.module(1).state().seq).toBe(11);

    await unplug();
    await until(() => bus.info().online === 0, 'offline after the unplug', 10_000);
    unplug = await plugIn(dir, bank);
    await until(() => bus.info().online === 2, 'online after plugging back', 15_000);
    await bus.light(2, { mode: 'on', color: 'red', display: 1, seq: 12 });
    expect(bank.module(2).state().seq).toBe(12);
    expect(health.filter((h) => h.address === 1).map((h) => h.online)).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
});
