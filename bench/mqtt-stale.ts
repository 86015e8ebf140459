/**
 * Stale MQTT commands benchmark (issue 16 item 7): N simulated modules
 * (default 200, a child process) on the embedded broker ignore commands
 * while the floor is restored (every module is sent `off`, unacked: with
 * the default timeoutMs 1000 and one re-send it stays pending ~2 s); a tenth
 * of them drop their connection and reconnect meanwhile; then they answer
 * again and one order per module is scanned, one after another. Measures
 * scan → lit `set` at the module (target p99 < 100 ms; the reconnecting
 * tenth apart: they are lit when back) and scan → scan answered, and counts
 * modules offline, not lit or in the wrong state at the end (target 0).
 *   node bin/run-ts.js bench/mqtt-stale.ts [--modules 200]
 * Prints one JSON line and a summary.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Controller } from '../app/main.ts';
import { checkConfig } from '../config/load.ts';
import { percentile, round } from '../test/kit/stats.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('modules', 200);
const ids = Array.from({ length: N }, (_, i) => `ptl-${String(i + 1).padStart(5, '0')}`);
const loc = (i: number) => `S-${String(i + 1).padStart(5, '0')}`;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => round(percentile(xs, p), 2);

const dir = mkdtempSync(join(tmpdir(), 'pickline-mqtt-stale-'));
const config = checkConfig({
  site: 'STALE',
  api: { host: '127.0.0.1', port: 0, tokens: { wms: ['bench-wms-token'] } },
  storage: { path: join(dir, 'bench.db') },
  log: { level: 'silent' },
  mqtt: {
    embedded: { host: '127.0.0.1', port: 0 },
    modules: ids.map((id) => ({ id, secret: `device-secret-of-${id}` })),
  },
  // the driver's defaults: ack within 1000 ms, one re-send
  buses: [{ id: 'mq', transport: 'mqtt' }],
  operators: [{ id: 'bench', pin: '1234' }],
  zones: [
    {
      id: 'S',
      mode: 'pick',
      locations: ids.map((id, i) => ({ id: loc(i), bus: 'mq', address: id })),
    },
  ],
}).config;
const c = new Controller(
  { config, file: '(inline)', profiles: new Map() },
  { logger: pino({ level: 'silent' }) },
);
await c.start();
const child = fork(join(import.meta.dirname, '..', 'bin', 'run-ts.js'), [
  'bench/mqtt-fleet-child.ts',
]);
const litAt = new Map<string, number>();
const seqOf = new Map<string, number>();
let ready: () => void = () => {};
const isReady = new Promise<void>((r) => {
  ready = r;
});
let ignored = 0;
child.on('message', (m: { cmd: string; id?: string; seq?: number; mode?: string; at?: number }) => {
  if (m.cmd === 'ready') ready();
  if (m.cmd === 'silent') ignored = (m as { ignored?: number }).ignored ?? 0;
  if (m.cmd === 'set' && m.mode !== 'off' && m.id && !litAt.has(m.id)) litAt.set(m.id, m.at!);
  if (m.cmd === 'set' && m.id) seqOf.set(m.id, m.seq!);
});
child.send({ cmd: 'start', url: c.broker!.url, ids, watch: true });
await isReady;
const bus = c.buses.get('mq')!;
while (bus.info().online < N || bus.info().queueDepth > 0) await sleep(100);

// the floor is restored while every module ignores commands: N stale `off`s
child.send({ cmd: 'silent', on: true });
await sleep(100);
const restored = c.engine.recover();
await sleep(300);
// a tenth break their connection meanwhile and come back (mqtt.js reconnects after 500 ms)
const dropped = ids.filter((_, i) => i % 10 === 0);
child.send({ cmd: 'drop', ids: dropped });
child.send({ cmd: 'silent', on: false });
await sleep(50);
const staleAtScan = bus.info().queueDepth;

c.waves.submit({
  waveId: 'SW-1',
  orders: ids.map((_, i) => ({
    orderId: `SO-${i + 1}`,
    container: `ST-${i + 1}`,
    lines: [{ lineId: `SL-${i + 1}`, sku: 'SKU', location: loc(i), quantity: 1 }],
  })),
});
const scannedAt = new Map<string, number>();
const answer: number[] = [];
let failed = 0;
const began = Date.now();
for (let i = 0; i < N; i++) {
  const t0 = now();
  scannedAt.set(ids[i], t0);
  const r = await c.commands.scan({ zone: 'S', code: `ST-${i + 1}`, operator: 'bench' });
  answer.push(now() - t0);
  failed += r.failed.length;
}
const scanSeconds = (Date.now() - began) / 1000;
const end = Date.now() + 5000;
while (litAt.size < N && Date.now() < end) await sleep(20);
await restored;
await sleep(2500);
const toSet: number[] = [];
const toSetDropped: number[] = [];
const droppedSet = new Set(dropped);
for (const [id, t0] of scannedAt) {
  const at = litAt.get(id);
  if (at !== undefined) (droppedSet.has(id) ? toSetDropped : toSet).push(at - t0);
}
const mods = bus.modules();
const result = {
  bench: 'mqtt-stale',
  modules: N,
  staleAtScan,
  ignoredSets: ignored,
  reconnected: dropped.length,
  scans: N,
  scanSeconds,
  scanToLitSetMs: { p50: pct(toSet, 50), p99: pct(toSet, 99), max: pct(toSet, 100) },
  scanAnsweredMs: { p50: pct(answer, 50), p99: pct(answer, 99), max: pct(answer, 100) },
  // the reconnecting tenth: lit when they are back (their reconnect takes ≥ 500 ms)
  reconnectedScanToLitMs: {
    p50: pct(toSetDropped, 50),
    p99: pct(toSetDropped, 99),
    max: pct(toSetDropped, 100),
  },
  notLit: N - toSet.length - toSetDropped.length,
  failedLights: failed,
  offlineAtEnd: mods.filter((m) => !m.online).length,
  wrongStateAtEnd: mods.filter(
    (m) => m.state?.mode === 'off' || seqOf.get(String(m.address)) !== m.state?.seq,
  ).length,
};
console.log(JSON.stringify(result));
console.log(
  `mqtt-stale: ${N} modules that ignored ${staleAtScan} pending commands: scan → lit set p50 ${result.scanToLitSetMs.p50} ms p99 ${result.scanToLitSetMs.p99} ms (target < 100); ${dropped.length} reconnecting meanwhile lit p50 ${result.reconnectedScanToLitMs.p50} ms after the scan; scan answered p99 ${result.scanAnsweredMs.p99} ms; not lit ${result.notLit}, failed ${failed}, offline at end ${result.offlineAtEnd}, wrong state at end ${result.wrongStateAtEnd}`,
);
child.send({ cmd: 'stop' });
await new Promise((r) => child.once('exit', r));
await c.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
