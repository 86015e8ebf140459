/**
 * Fault behaviour against the simulator's fault modes (silence, bad CRC,
 * exception, slow) over Modbus TCP and RTU on a pty, plus TCP reconnect.
 * Nothing here may crash the process; every failure is counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfiles } from '../../../config/profiles.ts';
import type { BusConfig } from '../../../config/schema.ts';
import { createBus } from '../../../device-drivers/index.ts';
import type { HealthChange, TechnicianBus } from '../../../device-drivers/types.ts';
import { isPicklineError } from '../../../kernel/errors.ts';
import { ModbusTcpSimulator } from '../../../simulators/modbus/index.ts';
import { socatAvailable } from '../../helpers/socat.ts';
import { until } from '../../kit/until.ts';
import { type SimPeer, simRtuPeer, simTcpPeer } from '../contract/sim-peers.ts';

const PROFILES = loadProfiles();
const ADDRESSES = [1, 2, 3, 4];

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(factory: (a: number[]) => Promise<SimPeer>, over: Partial<BusConfig> = {}) {
  const peer = await factory(ADDRESSES);
  cleanup.push(() => peer.close());
  const bus = createBus({ id: 'f', ...peer.bus, ...over } as BusConfig, {
    profiles: PROFILES,
    addresses: ADDRESSES,
  });
  cleanup.push(() => bus.stop());
  const health: HealthChange[] = [];
  bus.onHealth((e) => health.push(e));
  await bus.start();
  await until(() => bus.info().online === ADDRESSES.length, 'all online');
  return { peer, bus, health };
}

const mod = (bus: TechnicianBus, a: number) => bus.modules().find((m) => m.address === a)!;

const transports: Array<[string, (a: number[]) => Promise<SimPeer>, boolean]> = [
  ['Modbus TCP', simTcpPeer, false],
  ['RTU on a pty', simRtuPeer({ baudRate: 38400 }), !socatAvailable()],
];

describe.each(transports)('faults over %s', (_name, factory, skip) => {
  it.skipIf(skip)(
    'a silent idle module goes offline within seconds and comes back by itself',
    async () => {
      const { peer, bus, health } = await setup(factory);
      peer.bank.module(2).setFault({ kind: 'silence' });
      const t0 = Date.now();
      await until(() => health.some((h) => h.address === 2 && !h.online), 'offline', 8000);
      const tookMs = Date.now() - t0;
      expect(mod(bus, 2).online).toBe(false);
      expect(mod(bus, 2).counters.timeouts).toBeGreaterThanOrEqual(3);
      peer.bank.module(2).setFault(null);
      await until(() => mod(bus, 2).online, 'online again', 8000);
      expect(health.filter((h) => h.address === 2).map((h) => h.online)).toEqual([
        true,
        false,
        true,
      ]);
      expect(tookMs).toBeGreaterThan(0);
    },
  );

  it.skipIf(skip)('a lit module that went silent is re-lit when it answers again', async () => {
    const { peer, bus } = await setup(factory, { healthIntervalMs: 300 });
    await bus.light(3, { mode: 'on', color: 'red', display: 4, seq: 21 });
    peer.bank.module(3).setFault({ kind: 'silence' });
    await until(() => !mod(bus, 3).online, 'offline', 8000);
    const err = await bus
      .light(3, { mode: 'blink', color: 'blue', display: 5, seq: 22 })
      .catch((e) => e);
    expect(isPicklineError(err, 'DEVICE_OFFLINE')).toBe(true);
    peer.bank.module(3).setFault(null);
    await until(() => peer.bank.module(3).state().seq === 22, 're-lit with the wanted state', 8000);
    expect(peer.bank.module(3).state()).toMatchObject({ mode: 'blink', color: 'blue', display: 5 });
  });

  it.skipIf(skip)(
    'bad CRC replies are counted, retried a bounded number of times, and rejected',
    async () => {
      const { peer, bus } = await setup(factory, { retries: 2, offlineAfter: 5 });
      peer.bank.module(1).setFault({ kind: 'bad-crc' });
      const before = mod(bus, 1).counters;
      const err = await bus.light(1, { mode: 'on', seq: 5 }).catch((e) => e);
      expect(isPicklineError(err, 'DEVICE_CRC')).toBe(true);
      const after = mod(bus, 1).counters;
      expect(after.crcErrors - before.crcErrors).toBeGreaterThanOrEqual(3);
      expect(bus.info().counters.crcErrors).toBeGreaterThanOrEqual(3);
      peer.bank.module(1).setFault(null);
      await bus.light(1, { mode: 'on', seq: 6 });
      expect(peer.bank.module(1).state().seq).toBe(6);
    },
  );

  it.skipIf(skip)(
    'exception replies are counted, not retried, and keep the module online',
    async () => {
      const { peer, bus } = await setup(factory);
      peer.bank.module(4).setFault({ kind: 'exception', code: 4 });
      const n0 = mod(bus, 4).counters.exceptions;
      const err = await bus.light(4, { mode: 'on', seq: 1 }).catch((e) => e);
      expect(isPicklineError(err, 'DEVICE_EXCEPTION')).toBe(true);
      expect(err.message).toMatch(/server device failure/);
      expect(mod(bus, 4).counters.exceptions).toBeGreaterThan(n0);
      expect(mod(bus, 4).online).toBe(true);
      peer.bank.module(4).setFault(null);
    },
  );

  it.skipIf(skip)(
    'a slow module times out: each attempt bounded, attempts = 1 + retries',
    async () => {
      // the reply comes long after both attempts: a stalled event loop (a loaded CI
      // machine) must not let attempt 1's late reply land inside attempt 2's window,
      // where RTU cannot tell it from an answer to the identical retry
      const { peer, bus } = await setup(factory, {
        timeoutMs: 100,
        retries: 1,
        healthIntervalMs: 300,
      });
      peer.bank.module(2).setFault({ kind: 'slow', ms: 2000 });
      const c0 = { ...mod(bus, 2).counters };
      const err = await bus.light(2, { mode: 'on', seq: 1 }).catch((e) => e);
      expect(isPicklineError(err, 'DEVICE_TIMEOUT')).toBe(true);
      const c1 = mod(bus, 2).counters;
      // the write and its one retry (the event baseline is known: no read first)
      expect(c1.timeouts - c0.timeouts).toBe(2);
      expect(c1.transactions - c0.transactions).toBe(2);
      peer.bank.module(2).setFault(null);
      const healed = Date.now();
      // the wanted state stays lit, so polls go on; late replies are counted, never taken for answers
      await until(
        () => mod(bus, 2).online && mod(bus, 2).lastSeenAt! > healed,
        'answering again',
        8000,
      );
      await bus.light(2, { mode: 'on', color: 'green', seq: 2 });
      expect(peer.bank.module(2).state().seq).toBe(2);
    },
  );
});

describe('Modbus TCP connection loss', () => {
  it('reconnects by itself when the server comes back on the same port', async () => {
    const { peer, bus, health } = await setup(simTcpPeer, { healthIntervalMs: 200 });
    const port = peer.bus.port!;
    await peer.close();
    await until(() => bus.info().online === 0, 'all offline', 8000);
    const again = new ModbusTcpSimulator(peer.bank, { host: '127.0.0.1', port });
    await again.start();
    cleanup.push(() => again.stop());
    await until(() => bus.info().online === ADDRESSES.length, 'all online', 10_000);
    await bus.light(1, { mode: 'on', seq: 77 });
    expect(peer.bank.module(1).state().seq).toBe(77);
    expect(health.filter((h) => h.address === 1).map((h) => h.online)).toEqual([true, false, true]);
  });
});

describe('coalescing at the bus', () => {
  it('sends only the newest of several states queued for one module', async () => {
    const { peer, bus } = await setup(simTcpPeer);
    await bus.light(1, { mode: 'on', seq: 1 });
    const writes0 = peer.bank.module(1).counters.writes;
    // module 2's write goes first; module 1's three states are queued behind it
    const all = [
      bus.light(2, { mode: 'on', seq: 1 }),
      bus.light(1, { mode: 'on', color: 'red', seq: 2 }),
      bus.light(1, { mode: 'on', color: 'green', seq: 3 }),
      bus.light(1, { mode: 'blink', color: 'blue', seq: 4 }),
    ];
    await Promise.all(all);
    expect(peer.bank.module(1).counters.writes - writes0).toBe(1);
    expect(peer.bank.module(1).state()).toMatchObject({ mode: 'blink', color: 'blue', seq: 4 });
  });
});
