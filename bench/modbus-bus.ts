/**
 * Modbus RTU bus: key-press-to-detection latency and light commands per
 * second on a simulated 19200-baud bus (socat pty, the simulator's wire-time
 * emulation), 60 modules of which 6 are lit; once with the driver's scheduler
 * (poll lit modules only) and once with naive all-module polling (`pollAll`).
 * Printed beside the limits of HARDWARE.md: FC16×4 55/s, FC04×4 62/s at 19200.
 *   node bin/run-ts.js bench/modbus-bus.ts [--presses 100] [--naive-presses 50] [--lights 240]
 */
import { parseArgs } from 'node:util';
import { loadProfiles } from '../config/profiles.ts';
import type { BusConfig } from '../config/schema.ts';
import { createBus } from '../device-drivers/index.ts';
import type { KeyEvent, TechnicianBus } from '../device-drivers/types.ts';
import { ModbusRtuSimulator, ModuleBank, transactionMs } from '../simulators/modbus/index.ts';
import { openPtyPair } from '../test/kit/peers.ts';
import { percentile, round as roundTo } from '../test/kit/stats.ts';

const { values } = parseArgs({
  options: {
    presses: { type: 'string', default: '100' },
    'naive-presses': { type: 'string', default: '50' },
    lights: { type: 'string', default: '240' },
    baud: { type: 'string', default: '19200' },
  },
});
const BAUD = Number(values.baud);
const MODULES = Array.from({ length: 60 }, (_, i) => i + 1);
const LIT = [5, 15, 25, 35, 45, 55];
const profiles = loadProfiles();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => roundTo(x, 1);

async function scenario(pollAll: boolean, presses: number, lights: number) {
  const pty = await openPtyPair();
  const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: MODULES });
  const sim = new ModbusRtuSimulator(bank, {
    path: pty.b,
    baudRate: BAUD,
    parity: 'even',
    emulateWireTime: true,
  });
  await sim.start();
  const cfg: BusConfig = {
    id: 'bench',
    transport: 'modbus-rtu',
    profile: 'pickline-ptl-v1',
    path: pty.a,
    baudRate: BAUD,
    parity: 'even',
  };
  const bus: TechnicianBus = createBus(
    cfg,
    { profiles, addresses: MODULES },
    { modbus: { pollAll } },
  );
  try {
    await bus.start();
    while (bus.info().online < MODULES.length) await sleep(20);
    for (const a of LIT) await bus.light(a, { mode: 'on', color: 'green', display: 1, seq: 1 });

    // key press → onKey; random module, random pause: presses land at random phases of the poll cycle
    const latencies: number[] = [];
    let waiting: { address: number; t0: number; done: () => void } | null = null;
    bus.onKey((e: KeyEvent) => {
      if (waiting && e.address === waiting.address) {
        latencies.push(performance.now() - waiting.t0);
        waiting.done();
      }
    });
    for (let i = 0; i < presses; i++) {
      const address = LIT[Math.floor(Math.random() * LIT.length)];
      await sleep(Math.random() * (pollAll ? 1000 : 200));
      await new Promise<void>((done) => {
        waiting = { address, t0: performance.now(), done };
        bank.module(address).press('confirm');
      });
      waiting = null;
    }

    // light commands/s: bursts of one state per module (no coalescing), each awaited
    const t0 = performance.now();
    let sent = 0;
    for (let seq = 2; sent < lights; seq++) {
      const batch = MODULES.slice(0, Math.min(MODULES.length, lights - sent));
      await Promise.all(
        batch.map((a) => bus.light(a, { mode: 'on', color: 'blue', display: seq, seq })),
      );
      sent += batch.length;
    }
    const lightSeconds = (performance.now() - t0) / 1000;
    const c = bus.info().counters;
    return {
      presses: latencies.length,
      keyLatencyMs: {
        median: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
        max: round(Math.max(...latencies)),
      },
      lightsPerSecond: round(sent / lightSeconds),
      bus: {
        transactions: c.transactions,
        timeouts: c.timeouts,
        crcErrors: c.crcErrors,
        exceptions: c.exceptions,
        staleEvents: c.staleEvents,
      },
    };
  } finally {
    await bus.stop();
    await sim.stop();
    await pty.close();
  }
}

const fc16 = transactionMs(BAUD, 9 + 8, 8); // HARDWARE.md: FC16 of N=4: (9 + 2N) + 8 bytes
const fc04 = transactionMs(BAUD, 8, 5 + 8); // FC04 of N=4: 8 + (5 + 2N) bytes
const litOnly = await scenario(false, Number(values.presses), Number(values.lights));
const naive = await scenario(true, Number(values['naive-presses']), Number(values.lights));
const result = {
  bench: 'modbus-bus',
  baud: BAUD,
  modules: MODULES.length,
  lit: LIT.length,
  theory: {
    fc16x4PerSecond: round(1000 / fc16),
    fc04x4PerSecond: round(1000 / fc04),
    // a press waits on average half a poll cycle, then one poll
    litOnlyPollCycleMs: round(LIT.length * fc04),
    litOnlyMedianKeyMs: round((LIT.length * fc04) / 2 + fc04),
    naiveMedianKeyMs: round((MODULES.length * fc04) / 2 + fc04),
    naivePollCycleMs: round(MODULES.length * fc04),
  },
  litOnly,
  naive,
};
console.log(JSON.stringify(result));
console.log(
  `modbus-bus @${BAUD}: key latency median ${litOnly.keyLatencyMs.median} ms / p95 ${litOnly.keyLatencyMs.p95} ms ` +
    `(naive all-module polling: ${naive.keyLatencyMs.median} / ${naive.keyLatencyMs.p95} ms); ` +
    `lights ${litOnly.lightsPerSecond}/s (limit ${result.theory.fc16x4PerSecond}/s)`,
);
