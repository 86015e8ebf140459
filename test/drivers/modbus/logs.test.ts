/**
 * Issue 7 item 11 (driver part): start-up logs one summary line per bus, not
 * one per module; the first "module online" is debug; log objects never repeat
 * the `bus` key the caller's child logger binds; an expected device error is a
 * warning without a stack.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfiles } from '../../../config/profiles.ts';
import type { BusConfig } from '../../../config/schema.ts';
import { createBus } from '../../../device-drivers/index.ts';
import { ModuleBank } from '../../../simulators/modbus/index.ts';
import { until } from '../../kit/until.ts';
import { capture } from '../common/capture.ts';
import { BankTransport } from './bank-transport.ts';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('driver logs', () => {
  it('one info summary per bus at start; per-module discovery at debug; no bus key', async () => {
    const addresses = [1, 2, 3, 4, 5];
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2, 3, 4] });
    const { log, lines } = capture();
    const cfg = {
      id: 'bus-l',
      transport: 'modbus-tcp',
      host: 'memory',
      profile: 'pickline-ptl-v1',
      timeoutMs: 20,
      healthIntervalMs: 100,
    } as BusConfig;
    const bus = createBus(
      cfg,
      { profiles: loadProfiles(), addresses, logger: log },
      { modbus: { transport: new BankTransport(bank) } },
    );
    stops.push(() => bus.stop());
    await bus.start();
    await until(() => lines.some((l) => l.msg === 'module offline'), 'module 5 offline', 5000);
    await until(() => lines.some((l) => /modules answer/.test(l.msg ?? '')), 'summary', 5000);

    // the controller logs the per-bus start-up line (app/main.ts); the driver stays at debug
    expect(lines.filter((l) => l.level === 'info' || l.level === 'error')).toEqual([]);
    const summary = lines.find((l) => /modules answer/.test(l.msg ?? ''))!;
    expect(summary.level).toBe('debug');
    expect(summary.obj).toMatchObject({ online: 4, modules: 5, offline: [5] });
    expect(lines.filter((l) => l.msg === 'module online').every((l) => l.level === 'debug')).toBe(
      true,
    );
    const offline = lines.find((l) => l.msg === 'module offline')!;
    expect(offline.level).toBe('warn');
    expect(typeof offline.obj.reason).toBe('string');
    expect(offline.obj.err).toBeUndefined(); // no Error object, so no stack
    for (const l of lines) expect(Object.keys(l.obj)).not.toContain('bus');
  });
});
