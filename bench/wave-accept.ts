/**
 * Wave intake: time for the API to accept a wave of N lines over real HTTP
 * (parse, validate whole, store in one transaction, answer 201 with the
 * summary), on the demo site with the API limits a site would set for it.
 * Targets (issue 16 item 14): 10,000 lines ≤ 150 ms, 100,000 lines ≤ 1.5 s
 * (median; 0.015 ms a line). A 100,000-line wave is about 11.6 MB of JSON:
 * it needs `api.bodyLimit` ≥ 12 MiB (default 8 MiB) and `api.maxWaveLines`
 * ≥ 100,000 (default 50,000); the bench sets both as the site file would
 * and prints them.
 *   node bin/run-ts.js bench/wave-accept.ts [--lines 10000] [--runs 5]
 * Besides wall time it reports the process CPU time per request (client and
 * server share the process), which a loaded machine inflates less, and the
 * load average.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { build, DEFAULT_BODY_LIMIT } from '../api/app.ts';
import { Outbox } from '../controller/events/outbox.ts';
import { Site } from '../controller/site.ts';
import { Store } from '../controller/store/db.ts';
import { syncLocations } from '../controller/store/locations.ts';
import { WaveService } from '../controller/waves/service.ts';
import { auth, demoConfig, tempDir } from '../test/kit/harness.ts';
import { percentile, round as roundTo } from '../test/kit/stats.ts';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } },
});
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const PER_ORDER = 10;
const MS_PER_LINE = 0.015;
const DEFAULT_MAX_WAVE_LINES = 50_000;

function wave(id: string): object {
  return {
    waveId: id,
    orders: Array.from({ length: Math.ceil(LINES / PER_ORDER) }, (_, i) => ({
      orderId: `${id}-O${i}`,
      container: `${id}-T${i}`,
      lines: Array.from({ length: Math.min(PER_ORDER, LINES - i * PER_ORDER) }, (_, j) => ({
        lineId: `${id}-O${i}-L${j}`,
        sku: `SKU-${(i * 7 + j) % 997}`,
        location: `A-01-${String(((i + j) % 16) + 1).padStart(2, '0')}`,
        quantity: (j % 5) + 1,
        description: 'benchmark article',
      })),
    })),
  };
}

const MiB = 1024 * 1024;
const bodies = Array.from({ length: RUNS + 1 }, (_, r) => JSON.stringify(wave(`BW-${r}`)));
const bytes = Math.max(...bodies.map((b) => Buffer.byteLength(b)));
// what the site file needs: the limits rounded up to whole MiB / the line count
const bodyLimit = Math.max(DEFAULT_BODY_LIMIT, Math.ceil(bytes / MiB) * MiB);
const maxWaveLines = Math.max(DEFAULT_MAX_WAVE_LINES, LINES);

const tmp = tempDir('pickline-bench-');
const config = demoConfig(`${tmp.dir}/bench.db`);
config.api.bodyLimit = bodyLimit;
config.api.maxWaveLines = maxWaveLines;
const site = new Site(config);
const store = new Store(config.storage.path);
store.start();
syncLocations(store, site);
const outbox = new Outbox(store);
const waves = new WaveService({ store, outbox, site, maxLines: config.api.maxWaveLines });
const app = await build({
  waves,
  outbox,
  tokens: config.api.tokens,
  bodyLimit: config.api.bodyLimit,
  logger: false,
  readiness: () => [{ name: 'store', ok: store.isOpen }],
});
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };
const times: number[] = [];
const cpu: number[] = [];
try {
  for (let r = 0; r < RUNS + 1; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/waves`, {
      method: 'POST',
      headers: { ...auth('wms'), 'content-type': 'application/json' },
      body: bodies[r],
    });
    const json = (await res.json()) as { counts?: { lines: number } };
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (res.status !== 201 || json.counts?.lines !== LINES)
      throw new Error(`run ${r}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    if (r > 0) {
      // run 0 warms up the JIT and the prepared statements
      times.push(ms);
      cpu.push((c.user + c.system) / 1000);
    }
  }
} finally {
  await app.close();
  store.stop();
  tmp.remove();
}
const median = (xs: number[]) => percentile(xs, 50);
const round = (x: number) => roundTo(x, 1);
const targetMs = Math.max(150, LINES * MS_PER_LINE);
const result = {
  bench: 'wave-accept',
  lines: LINES,
  bodyBytes: bytes,
  runs: RUNS,
  msMedian: round(median(times)),
  msMax: round(Math.max(...times)),
  msMin: round(Math.min(...times)),
  cpuMsMedian: round(median(cpu)),
  targetMs,
  pass: median(times) <= targetMs,
  config: { 'api.bodyLimit': bodyLimit, 'api.maxWaveLines': maxWaveLines },
  loadavg: loadavg().map(round),
};
console.log(JSON.stringify(result));
console.log(
  `wave-accept: ${LINES} lines (${(bytes / 1e6).toFixed(1)} MB) accepted in median ${result.msMedian} ms ` +
    `(CPU ${result.cpuMsMedian} ms), max ${result.msMax} ms over ${RUNS} runs ` +
    `(target ≤ ${targetMs} ms: ${result.pass ? 'PASS' : 'FAIL'}; api.bodyLimit ${bodyLimit}, ` +
    `api.maxWaveLines ${maxWaveLines}; load ${result.loadavg.join(' ')})`,
);
