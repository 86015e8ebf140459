/**
 * Voice: N concurrent simulated workers (a separate process) work a wave over
 * `/api/v1/voice`; measured is words sent → next prompt received (p50/p99,
 * target p99 < 20 ms) and the controller's RSS (this process: store, engine,
 * API and gateway, no workers). Each worker pauses 0.5–1.5 × think-ms before
 * answering, as a person listening and speaking does (think-ms 0 measures
 * the saturated controller instead: latency is then queueing).
 * The store is under $TMPDIR: each recorded pick is a synchronous fsync, so
 * on a busy disk p99 is the disk's (run with TMPDIR=/dev/shm to see the
 * controller alone).
 *   node bin/run-ts.js bench/voice.ts [--workers 200] [--orders-per-worker 3] [--think-ms 1000]
 * `--workers 1000` is the large site (voice.maxTerminals defaults to 1,000).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { tempDir } from '../test/kit/harness.ts';
import { percentile, round } from '../test/kit/stats.ts';
import { voiceFloor, voiceWave } from '../test/kit/voice.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '200' },
    'orders-per-worker': { type: 'string', default: '3' },
    'think-ms': { type: 'string', default: '1000' },
  },
});
const WORKERS = Number(values.workers);
const ORDERS = WORKERS * Number(values['orders-per-worker']);
const THINK_MS = Number(values['think-ms']);
const SLOTS = ['01', '02', '03', '04', '05', '06'];

const tmp = tempDir('pickline-bench-');
const f = await voiceFloor(`${tmp.dir}/bench.db`, {
  configure: (c) => {
    c.operators = Array.from({ length: WORKERS }, (_, i) => ({ id: `op${i + 1}`, pin: '1234' }));
  },
});
const orders: Record<string, string[]> = {};
for (let i = 0; i < ORDERS; i++) orders[`BO${i}`] = SLOTS.slice(i % 4, (i % 4) + 3);
f.waves.submit(voiceWave('BW1', orders));

// inside the controller: words in → next prompt out of the desk (dialog, engine, store)
const inside: number[] = [];
const say = f.desk.say.bind(f.desk);
f.desk.say = async (operator, text) => {
  const t0 = performance.now();
  try {
    return await say(operator, text);
  } finally {
    inside.push(performance.now() - t0);
  }
};

// the controller's event loop: a blocked loop delays every terminal's answer
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss()); // rss() alone: memoryUsage() walks the heap
}, 50);
const t0 = performance.now();
let out = '';
try {
  const child = spawn(
    process.execPath,
    [
      'bin/run-ts.js',
      'simulators/voice/cli.ts',
      '--url',
      f.baseUrl,
      '--workers',
      String(WORKERS),
      '--operator-prefix',
      'op',
      '--think-ms',
      String(THINK_MS),
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  child.stdout.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`workers exited with ${code}`);
} finally {
  clearInterval(sampler);
}
const seconds = (performance.now() - t0) / 1000;
const status = f.waves.get('BW1').status;
await f.stop();
tmp.remove();

const { roundTripsMs, reports } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
  roundTripsMs: number[];
  reports: { errors: string[] }[];
};
const errors = reports.flatMap((r) => r.errors);
const t = roundTripsMs;
const pctOf = (xs: number[], p: number) => round(percentile(xs, p), 2);
const pct = (p: number) => pctOf(t, p);
const result = {
  bench: 'voice',
  workers: WORKERS,
  thinkMs: THINK_MS,
  lines: ORDERS * 3,
  roundTrips: t.length,
  seconds: Number(seconds.toFixed(1)),
  p50Ms: pct(50),
  p99Ms: pct(99),
  maxMs: pct(100),
  /** the same responses measured inside the controller (desk.say), without sockets and scheduling */
  controllerP50Ms: pctOf(inside, 50),
  controllerP99Ms: pctOf(inside, 99),
  /** the controller process's event-loop delay (p99, max): its own stalls, not the workers' */
  loopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
  loopDelayMaxMs: Number((loopDelay.max / 1e6).toFixed(1)),
  rssMB: Number((rssBefore / 1e6).toFixed(0)),
  rssPeakMB: Number((rssPeak / 1e6).toFixed(0)),
  waveStatus: status,
  /** where the store lived: every pick is an fsync (synchronous=FULL), so the disk shows in p99 */
  dbDir: tmp.dir,
  errors: errors.length,
  /** the distinct errors the workers got (first 5) */
  errorKinds: [...new Set(errors)].slice(0, 5),
  /** load average while it ran: timing figures mean little on a busy machine */
  loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
  targetP99Ms: 20,
  pass: pct(99) < 20 && status === 'completed' && errors.length === 0,
};
console.log(JSON.stringify(result));
console.log(
  `voice: ${WORKERS} workers (answering after ~${THINK_MS} ms), ${t.length} responses → next prompt p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (target < 20 ms; inside the controller p50 ${result.controllerP50Ms}, p99 ${result.controllerP99Ms} ms), controller RSS ${result.rssMB} → peak ${result.rssPeakMB} MB, wave ${status}, ${errors.length} worker errors, load average ${result.loadAverage.join(' ')}: ${result.pass ? 'PASS' : 'FAIL'}`,
);
