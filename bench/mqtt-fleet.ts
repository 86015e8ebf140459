/**
 * MQTT fleet benchmark (issue 9): N simulated modules (default 5,000, in a
 * child process) on the embedded broker and on mosquitto in the same run;
 * the controller (in this process) sends light commands at a fixed rate
 * (default 500/s for 30 s) to modules round-robin while pickers confirm lit
 * lines of a wave. Measures command→ack (light() resolved) p50/p99, key
 * press→line stored (press published → line.picked committed) p50/p99 and
 * the controller's RSS (this process: controller + embedded broker): at
 * start, with the fleet connected, and its peak over the run, sampled every
 * 250 ms, with the V8 heap beside it.
 *   node bin/run-ts.js bench/mqtt-fleet.ts [--modules 5000] [--rate 500] [--seconds 30] [--quick]
 * `--quick`: 500 modules, 5 s; `--broker embedded|mosquitto`: that broker only. Prints one JSON line per broker and a summary.
 * This process takes the heap policy `pickline start` takes (bin/heap-policy.js), so the
 * figures are those of a default start; `--no-heap-policy` measures without it.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import pino from 'pino';
import { Controller } from '../app/main.ts';
import { applyHeapPolicy, type HeapPolicy } from '../bin/heap-policy.js';
import { checkConfig } from '../config/load.ts';
import { startMosquitto } from '../test/kit/peers.ts';
import { percentile, round } from '../test/kit/stats.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const quick = process.argv.includes('--quick');
const N = arg('modules', quick ? 500 : 5000);
const RATE = arg('rate', 500);
const SECONDS = arg('seconds', quick ? 5 : 30);
const LINES = Math.min(200, Math.floor(N / 10));
const ids = Array.from({ length: N }, (_, i) => `ptl-${String(i + 1).padStart(5, '0')}`);
const loc = (i: number) => `B-${String(i + 1).padStart(5, '0')}`;
const PW = 'bench-controller-password';
const now = () => performance.timeOrigin + performance.now();
const heapPolicy: HeapPolicy = process.argv.includes('--no-heap-policy')
  ? { flags: [], reason: '--no-heap-policy' }
  : applyHeapPolicy();
const mb = (bytes: number) => Math.round(bytes / 1048576);

const pct = (xs: number[], p: number) => round(percentile(xs, p), 2);

function site(dir: string, broker: Record<string, unknown>, embedded: boolean) {
  return checkConfig({
    site: 'BENCH',
    api: { host: '127.0.0.1', port: 0, tokens: { wms: ['bench-wms-token'] } },
    storage: { path: join(dir, 'bench.db') },
    log: { level: 'silent' },
    mqtt: {
      ...broker,
      ...(embedded ? { modules: ids.map((id) => ({ id, secret: `device-secret-of-${id}` })) } : {}),
    },
    buses: [{ id: 'mq', transport: 'mqtt', timeoutMs: 1000 }],
    zones: [
      {
        id: 'B',
        mode: 'pick',
        locations: ids.map((id, i) => ({ id: loc(i), bus: 'mq', address: id })),
      },
    ],
  }).config;
}

async function run(kind: 'embedded' | 'mosquitto') {
  const dir = mkdtempSync(join(tmpdir(), 'pickline-mqtt-bench-'));
  const mosq =
    kind === 'mosquitto'
      ? await startMosquitto([
          { name: 'bench-controller', password: PW, controller: true },
          ...ids.map((id) => ({ name: id, password: `device-secret-of-${id}` })),
        ])
      : null;
  const broker = mosq
    ? { url: mosq.url, username: 'bench-controller', password: PW }
    : { embedded: { host: '127.0.0.1', port: 0 } };
  const t0 = Date.now();
  const rssBeforeStart = process.memoryUsage().rss;
  // peaks over the whole run: the fleet's connect is part of it
  let rss = rssBeforeStart;
  let heapTotal = 0;
  const sampler = setInterval(() => {
    const u = process.memoryUsage();
    rss = Math.max(rss, u.rss);
    heapTotal = Math.max(heapTotal, u.heapTotal);
  }, 250);
  const c = new Controller(
    { config: site(dir, broker, !mosq), file: '(inline)', profiles: new Map() },
    { logger: pino({ level: 'silent' }) },
  );
  await c.start();
  const startMs = Date.now() - t0;
  const url = mosq?.url ?? c.broker!.url;
  const child = fork(
    join(import.meta.dirname, '..', 'bin', 'run-ts.js'),
    ['bench/mqtt-fleet-child.ts'],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const pressedAt = new Map<string, number>();
  const stored: number[] = [];
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  child.on('message', (m: { cmd: string; id?: string; at?: number }) => {
    if (m.cmd === 'ready') ready();
    if (m.cmd === 'pressed') pressedAt.set(m.id!, m.at!);
  });
  const byLocation = new Map(ids.map((id, i) => [loc(i), id]));
  const storedAt = new Map<string, number>();
  c.outbox.onEvent((e) => {
    if (e.type !== 'line.picked') return;
    const id = byLocation.get(String(e.data.location));
    if (id) storedAt.set(id, now());
  });
  const tc = Date.now();
  child.send({ cmd: 'start', url, ids });
  await isReady;
  const bus = c.buses.get('mq')!;
  while (bus.info().online < N) await new Promise((r) => setTimeout(r, 100));
  const connectMs = Date.now() - tc;
  const connected = process.memoryUsage();
  rss = Math.max(rss, connected.rss);
  heapTotal = Math.max(heapTotal, connected.heapTotal);

  // a wave whose lines sit on the last LINES modules; the commands go to the others
  const lineMods = ids.slice(N - LINES);
  c.waves.submit({
    waveId: 'BW-1',
    orders: [
      {
        orderId: 'BO-1',
        container: 'BT-1',
        lines: lineMods.map((_, j) => ({
          lineId: `BL-${j + 1}`,
          sku: 'SKU',
          location: loc(N - LINES + j),
          quantity: 1,
        })),
      },
    ],
  });
  const scan = await c.commands.scan({ zone: 'B', code: 'BT-1', operator: 'bench' });

  const acks: number[] = [];
  let errors = 0;
  // garbage collection in the controller while the commands run: its pauses are in the latencies
  const gcMs = { major: 0, minor: 0, majorCount: 0 };
  const gcWatch = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gcMs.major += e.duration;
        gcMs.majorCount++;
      } else gcMs.minor += e.duration;
    }
  });
  gcWatch.observe({ entryTypes: ['gc'] });

  const targets = N - LINES;
  let next = 0;
  let seq = 1;
  const inflight = new Set<Promise<void>>();
  const end = Date.now() + SECONDS * 1000;
  const began = Date.now();
  let sent = 0;
  let pressNext = 0;
  const pressEveryMs = (SECONDS * 1000) / (LINES + 1);
  while (Date.now() < end) {
    // paced by the clock, so a late tick catches up
    while (sent < ((Date.now() - began) / 1000) * RATE) {
      sent++;
      const id = ids[next++ % targets];
      seq = (seq % 65535) + 1;
      const s = performance.now();
      const p = bus
        .light(id, { mode: seq % 2 ? 'on' : 'off', color: 'green', display: seq % 100, seq })
        .then(
          () => {
            acks.push(performance.now() - s);
          },
          () => {
            errors++;
          },
        );
      inflight.add(p);
      p.finally(() => inflight.delete(p));
    }
    if (Date.now() - began >= pressNext * pressEveryMs && pressNext < lineMods.length)
      child.send({ cmd: 'press', id: lineMods[pressNext++] });
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inflight);
  gcWatch.disconnect();
  const wait = Date.now() + 5000;
  while (storedAt.size < pressNext && Date.now() < wait)
    await new Promise((r) => setTimeout(r, 20));
  clearInterval(sampler);
  for (const [id, at] of pressedAt) {
    const s = storedAt.get(id);
    if (s !== undefined) stored.push(s - at);
  }
  const result = {
    bench: 'mqtt-fleet',
    broker: kind,
    modules: N,
    ratePerS: RATE,
    seconds: SECONDS,
    commands: acks.length + errors,
    achievedPerS: Math.round((acks.length + errors) / SECONDS),
    errors,
    ackMs: { p50: pct(acks, 50), p99: pct(acks, 99), max: pct(acks, 100) },
    presses: pressNext,
    stored: stored.length,
    pressToStoredMs: { p50: pct(stored, 50), p99: pct(stored, 99), max: pct(stored, 100) },
    lit: scan.lit.length,
    controllerRssMb: mb(rss),
    memoryMb: {
      rssBeforeStart: mb(rssBeforeStart),
      rssConnected: mb(connected.rss),
      heapUsedConnected: mb(connected.heapUsed),
      heapTotalConnected: mb(connected.heapTotal),
      externalConnected: mb(connected.external),
      rssPeak: mb(rss),
      heapTotalPeak: mb(heapTotal),
    },
    heapFlags: heapPolicy.flags,
    gcDuringCommandsMs: {
      major: Math.round(gcMs.major),
      majorCount: gcMs.majorCount,
      minor: Math.round(gcMs.minor),
    },
    controllerStartMs: startMs,
    fleetConnectMs: connectMs,
  };
  console.log(JSON.stringify(result));
  child.send({ cmd: 'stop' });
  await new Promise((r) => child.once('exit', r));
  await c.stop();
  await mosq?.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const only = process.argv.indexOf('--broker');
const kinds = (['embedded', 'mosquitto'] as const).filter(
  (k) => only < 0 || process.argv[only + 1] === k,
);
const results = [];
for (const kind of kinds) results.push(await run(kind));
for (const r of results)
  console.log(
    `mqtt-fleet ${r.broker}: ${r.modules} modules, ${r.achievedPerS} cmd/s, ack p50 ${r.ackMs.p50} ms p99 ${r.ackMs.p99} ms, press→stored p50 ${r.pressToStoredMs.p50} ms p99 ${r.pressToStoredMs.p99} ms (${r.stored}/${r.presses}), errors ${r.errors}, controller RSS peak ${r.controllerRssMb} MB (fleet connected ${r.memoryMb.rssConnected} MB, heap ${r.memoryMb.heapUsedConnected}/${r.memoryMb.heapTotalConnected} MB; heap flags: ${r.heapFlags.join(' ') || `none, ${heapPolicy.reason}`})`,
  );
process.exit(0);
