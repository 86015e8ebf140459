/**
 * Service-level evaluation at scale (issue 19, CONTRACTS.md §7):
 *  1. 100,000 open orders across 20 zones (one line each, 2% due within the
 *     hour, the rest in three days): the time of one evaluation (target
 *     < 50 ms) and the longest event-loop stall while evaluations run
 *     (target ≤ 20 ms, perf_hooks.monitorEventLoopDelay), cold (the first,
 *     which flags the orders at risk) and warm (nothing changed; after a pick);
 *  2. the controller's key press → next light on the simulated Modbus floor
 *     (as bench/floor-loop.ts measures it) with 100,000 open orders in its
 *     store, without and with evaluations running back to back.
 *   node bin/run-ts.js bench/service-levels.ts [--orders 100000] [--rounds 30]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { stringify } from 'yaml';
import { Controller } from '../app/main.ts';
import { loadConfig } from '../config/load.ts';
import { PickEngine } from '../controller/engine/engine.ts';
import { Outbox } from '../controller/events/outbox.ts';
import { ExceptionDesk } from '../controller/exceptions/desk.ts';
import { ServiceLevels } from '../controller/service-levels/service.ts';
import { Site } from '../controller/site.ts';
import { Store } from '../controller/store/db.ts';
import { syncLocations } from '../controller/store/locations.ts';
import { WaveService } from '../controller/waves/service.ts';
import { MODBUS_DEFAULTS } from '../device-drivers/index.ts';
import { tempDir } from '../test/kit/harness.ts';
import { liveSite } from '../test/kit/live.ts';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '30' },
  },
});
const ORDERS = Number(values.orders);
const ROUNDS = Number(values.rounds);
const ZONES = 20;
const PER_WAVE = 5000;
const TARGET_MS = 50;
const STALL_MS = 20;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2));
  return { median: q(0.5), p95: q(0.95), max: q(1) };
};

/** `count` one-line orders over `zones` (location picked by `loc`), `PER_WAVE` a wave; 2% due soon. */
function load(waves: WaveService, count: number, loc: (i: number) => string, tag: string) {
  const now = Date.now();
  for (let w = 0; w * PER_WAVE < count; w++) {
    const n = Math.min(PER_WAVE, count - w * PER_WAVE);
    waves.submit({
      waveId: `${tag}W${w}`,
      dueAt: new Date(now + 3 * 86_400_000).toISOString(),
      orders: Array.from({ length: n }, (_, k) => {
        const i = w * PER_WAVE + k;
        return {
          orderId: `${tag}O${i}`,
          ...(i % 50 === 0 ? { dueAt: new Date(now + 45 * 60_000).toISOString() } : {}),
          lines: [{ lineId: `${tag}L${i}`, sku: 'S', location: loc(i), quantity: 1 }],
        };
      }),
    });
  }
}

/** The longest gap between ticks of a 1 ms interval, less the 1 ms: the worst event-loop stall. */
function stallMonitor() {
  let last = performance.now();
  let max = 0;
  const t = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - 1);
    last = now;
  }, 1);
  return {
    stop: () => {
      clearInterval(t);
      return Number(max.toFixed(2));
    },
  };
}

async function measured(
  times: number,
  run: (i: number) => Promise<{ ms: number; maxSliceMs: number }>,
) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const ms: number[] = [];
  const slices: number[] = [];
  h.enable();
  const gap = stallMonitor();
  for (let i = 0; i < times; i++) {
    const r = await run(i);
    ms.push(r.ms);
    slices.push(r.maxSliceMs);
  }
  const stall = gap.stop();
  h.disable();
  return {
    ms: stats(ms),
    maxSliceMs: stats(slices),
    stallMaxMs: stall,
    loopDelayMaxMs: Number((h.max / 1e6).toFixed(2)),
  };
}

// --- 1. the evaluation alone: 20 voice zones, no buses
const tmp = tempDir('pickline-bench-sla-');
let part1: Record<string, unknown>;
{
  const file = `${tmp.dir}/site.yaml`;
  writeFileSync(
    file,
    stringify({
      site: 'BENCH',
      api: { tokens: { wms: ['bench-wms-token'] } },
      storage: { path: `${tmp.dir}/sla.db` },
      operators: [{ id: 'op1', pin: '1234' }],
      zones: Array.from({ length: ZONES }, (_, z) => ({
        id: `Z${z}`,
        mode: 'voice',
        locations: Array.from({ length: 20 }, (_, l) => ({
          id: `Z${z}-${l}`,
          checkDigits: '11',
          aisle: String(l).padStart(2, '0'),
          slot: '01',
        })),
      })),
    }),
  );
  const { config } = loadConfig(file, {});
  const site = new Site(config);
  const store = new Store(config.storage.path);
  store.start();
  syncLocations(store, site);
  const outbox = new Outbox(store);
  const desk = new ExceptionDesk({ store, outbox });
  const sla = new ServiceLevels({ store, outbox, site, exceptions: desk });
  const waves = new WaveService({ store, outbox, site });
  const t0 = performance.now();
  load(waves, ORDERS, (i) => `Z${i % ZONES}-${(i >> 5) % 20}`, 'E');
  const intakeS = (performance.now() - t0) / 1000;
  const cold = await measured(1, () => sla.evaluate());
  const warm = await measured(20, () => sla.evaluate());
  const engine = new PickEngine({
    store,
    outbox,
    site,
    buses: new Map(),
    logger: pino({ level: 'silent' }),
  });
  // what a pick costs: the evaluation of its zone only (the controller's schedule(zone))
  const afterPick = await measured(20, async (i) => {
    await engine.picking.close(`EL${i * 7 + 1}`, { operator: null, via: 'api' });
    return sla.evaluate([`Z${(i * 7 + 1) % ZONES}`]);
  });
  part1 = {
    orders: ORDERS,
    zones: ZONES,
    intakeS: Number(intakeS.toFixed(1)),
    atRisk: sla.counts(),
    cold,
    warm,
    afterPick,
  };
  store.stop();
}

// --- 2. press → next light on the live floor with ORDERS open orders (zones V and B)
const site = await liveSite(tmp.dir);
const c = new Controller(site.loaded, { logger: pino({ level: 'silent' }) });
await c.start();
const voice = [
  ...c.site.zones.get('V')!.locations.map((l) => l.id),
  ...c.site.zones.get('B')!.locations.map((l) => l.id),
];
load(c.waves, ORDERS, (i) => voice[i % voice.length], 'F');
const waitFor = (pred: () => boolean, what: string, ms = 10_000) =>
  new Promise<void>((resolve, reject) => {
    const end = Date.now() + ms;
    const tick = () =>
      pred()
        ? resolve()
        : Date.now() > end
          ? reject(new Error(`timeout: ${what}`))
          : setTimeout(tick, 1);
    tick();
  });
let round = 0;
async function pressToNext(): Promise<number> {
  const i = round++;
  const loc = `A-01-${String((i % 16) + 1).padStart(2, '0')}`;
  const m = site.floor.module(loc);
  c.waves.submit({
    waveId: `BW-${i}`,
    orders: [1, 2].map((k) => ({
      orderId: `BO-${i}-${k}`,
      container: `BT-${i}-${k}`,
      lines: [{ lineId: `BL-${i}-${k}`, sku: 'S', location: loc, quantity: k + 1 }],
    })),
  });
  await c.commands.scan({ zone: 'A', code: `BT-${i}-1`, operator: 'jdoe' });
  await c.commands.scan({ zone: 'A', code: `BT-${i}-2`, operator: 'asmith' });
  await waitFor(() => m.state().mode !== 'off', 'lit');
  await new Promise((r) => setTimeout(r, 20 + Math.random() * MODBUS_DEFAULTS.tcpPollIntervalMs));
  const seq1 = m.state().seq;
  let next = 0;
  const off = m.on('change', (s) => {
    if (s.mode !== 'off' && s.seq !== seq1 && next === 0) next = performance.now();
  });
  const t = performance.now();
  m.press('confirm');
  await waitFor(() => next > 0, 'next light');
  off();
  m.press('confirm');
  await waitFor(() => c.waves.get(`BW-${i}`).status === 'completed', 'wave completed');
  return next - t;
}
let part2: Record<string, unknown>;
try {
  // the baseline: the controller as it runs (an evaluation after each pick, coalesced)
  const quiet: number[] = [];
  for (let i = 0; i < ROUNDS; i++) quiet.push(await pressToNext());
  let running = true;
  let evaluations = 0;
  const loop = (async () => {
    while (running) {
      await c.serviceLevels.evaluate();
      evaluations++;
    }
  })();
  const busy: number[] = [];
  for (let i = 0; i < ROUNDS; i++) busy.push(await pressToNext());
  running = false;
  await loop;
  part2 = {
    openOrders: ORDERS,
    pressToNextLightMs: { quiet: stats(quiet), evaluating: stats(busy) },
    evaluationsMeanwhile: evaluations,
    lastEvaluationMs: Number(c.serviceLevels.last?.ms.toFixed(2)),
  };
} finally {
  await c.stop();
  await site.stop();
  tmp.remove();
}

const result = {
  bench: 'service-levels',
  loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
  targets: { evaluationMs: TARGET_MS, stallMs: STALL_MS },
  evaluation: part1,
  floor: part2,
};
console.log(JSON.stringify(result));
type M = { ms: { median: number; p95: number; max: number }; stallMaxMs: number };
const w = part1.warm as M;
const cold = part1.cold as M;
const pick = part1.afterPick as M;
const f = part2.pressToNextLightMs as {
  quiet: { median: number; p95: number };
  evaluating: { median: number; p95: number };
};
console.log(
  `service-levels: ${ORDERS} open orders in ${ZONES} zones: full evaluation median ${w.ms.median} ms (p95 ${w.ms.p95}, target < ${TARGET_MS}), stall max ${w.stallMaxMs} ms (target ≤ ${STALL_MS}); after a pick (its zone) median ${pick.ms.median} ms, stall max ${pick.stallMaxMs} ms; cold ${cold.ms.max} ms (stall ${cold.stallMaxMs} ms); press→next light median ${f.quiet.median} → ${f.evaluating.median} ms (p95 ${f.quiet.p95} → ${f.evaluating.p95}) with full evaluations back to back; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
