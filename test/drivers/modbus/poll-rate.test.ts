/**
 * Issue 7 item 4: lit modules are polled at a bounded rate (TCP default
 * `pollIntervalMs`), and a module with no key to read (a done indicator lit
 * without a job, seq 0; a profile without keys) is not polled for keys at all.
 * Counts are upper bounds over a fixed window: load only lowers them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../../config/profile-schema.ts';
import { loadProfiles } from '../../../config/profiles.ts';
import type { BusConfig } from '../../../config/schema.ts';
import { createBus } from '../../../device-drivers/index.ts';
import { MODBUS_DEFAULTS } from '../../../device-drivers/modbus/factory.ts';
import { ModuleBank } from '../../../simulators/modbus/index.ts';
import { BankTransport } from './bank-transport.ts';

const PROFILES = loadProfiles();
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function tcpBus(profile = 'pickline-ptl-v1', profiles = PROFILES) {
  const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2, 3] });
  const t = new BankTransport(bank);
  const cfg = { id: 'p', transport: 'modbus-tcp', host: 'memory', profile } as BusConfig;
  const bus = createBus(cfg, { profiles, addresses: [1, 2, 3] }, { modbus: { transport: t } });
  stops.push(() => bus.stop());
  await bus.start();
  return { bus, t };
}

const window = (ms: number) => new Promise((r) => setTimeout(r, ms));
const reads = (t: BankTransport, unit: number) =>
  t.sent.filter((s) => s.unit === unit && (s.pdu[0] === 4 || s.pdu[0] === 2)).length;

describe('key polling rate', () => {
  it('polls a lit module on Modbus TCP at most once per default pollIntervalMs', async () => {
    expect(MODBUS_DEFAULTS.tcpPollIntervalMs).toBeGreaterThan(0);
    const { bus, t } = await tcpBus();
    await bus.light(1, { mode: 'on', color: 'green', display: 2, seq: 7 });
    const n0 = reads(t, 1);
    await window(400);
    const polls = reads(t, 1) - n0;
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(Math.ceil(400 / MODBUS_DEFAULTS.tcpPollIntervalMs) + 2);
  });

  it('does not poll a module lit without a job (seq 0, e.g. a done indicator) for keys', async () => {
    const { bus, t } = await tcpBus();
    await bus.light(2, { mode: 'blink', color: 'green', display: null, seq: 0 });
    const n0 = reads(t, 2);
    await window(300);
    // only the health sweep (every healthIntervalMs, 2 s by default) may read it
    expect(reads(t, 2) - n0).toBeLessThanOrEqual(1);
  });

  it('does not poll a lit module of a profile without keys', async () => {
    const base = PROFILES.get('pickline-ptl-v1')!;
    const keyless: Profile = {
      ...base,
      name: 'keyless-lamp',
      capabilities: { ...base.capabilities, keys: [] },
    };
    const profiles = new Map(PROFILES).set(keyless.name, keyless);
    const { bus, t } = await tcpBus(keyless.name, profiles);
    await bus.light(3, { mode: 'on', color: 'red', display: 1, seq: 9 });
    const n0 = reads(t, 3);
    await window(300);
    expect(reads(t, 3) - n0).toBeLessThanOrEqual(1);
  });
});
