/**
 * Soak benchmark (issue 24): the demo floor (config/default.yaml: zones A and
 * B on two Modbus TCP buses, M on MQTT modules on the embedded broker, the put
 * wall P, the voice aisle V) run as `npm start` runs it, in a child process
 * (bench/soak-child.ts), and driven by simulated pickers for `--minutes`:
 * a WMS posts one order per picker at a time, pickers scan over REST and press
 * through POST /api/v1/simulator/locations/{location}/press (now and then a
 * '-' first: a short), the put wall is worked by SKU scans, two scripted voice
 * workers work zone V over /api/v1/voice, and every event goes to a simulated
 * WMS by webhook.
 *   node bin/run-ts.js bench/soak.ts [--minutes 10] [--sample-s 30] [--think-ms 0] [--json]
 * A picker who still sees the bin lit 3 s after pressing presses again
 * (`represses`: a press made before the module's light came, or lost).
 * Measures: lines closed (per zone), errors (must be 0: refused requests,
 * lines not closed within 30 s, voice errors, controller error logs, bad
 * webhook signatures or missing events), press → line closed p50/p99 (from
 * the first press), controller RSS and heap (after a full GC) every
 * `--sample-s` with the slope over the last half (MB/min), event-loop delay
 * p99, open handles at the end (before and after stop), the webhook backlog
 * when the pickers stop and how long it takes to drain (at most 60 s; what is
 * left is reported, not an error: events wait in the outbox).
 * Prints JSON and a one-line summary; exit code 1 on any error.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.ts';
import { DEFAULT_CONFIG } from '../controller/paths.ts';
import { runWorker } from '../simulators/voice/worker.ts';
import { WmsSimulator } from '../simulators/wms/index.ts';
import { percentile, round } from '../test/kit/stats.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'sample-s': { type: 'string', default: '30' },
    'think-ms': { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const MINUTES = Number(values.minutes);
const SAMPLE_MS = Number(values['sample-s']) * 1000;
const THINK_MS = Number(values['think-ms']);
const CLOSE_TIMEOUT_MS = 30_000;
/** a picker who sees the bin still lit after this presses again (a press the module lost, or made before its light came) */
const REPRESS_MS = 3_000;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => round(percentile(xs, p), 2);
/** Least-squares slope of y over x. */
const slope = (pts: { x: number; y: number }[]) => {
  if (pts.length < 2) return null;
  const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
  const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
  const num = pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = pts.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? null : num / den;
};

// --- the site: the demo floor on free ports, webhooks to the simulated WMS
const base = loadConfig(DEFAULT_CONFIG, {});
const dir = mkdtempSync(join(tmpdir(), 'pickline-soak-'));
const secret = 'soak-webhook-secret';
const wms = new WmsSimulator({ secret });
const { url: wmsUrl } = await wms.start();
const cfg = structuredClone(base.config);
cfg.api.port = 0;
cfg.storage.path = join(dir, 'soak.db');
cfg.webhooks = [{ url: `${wmsUrl}/events`, secret }];
cfg.log = { level: 'warn' };
if (cfg.mqtt?.embedded) cfg.mqtt.embedded = { ...cfg.mqtt.embedded, port: 0 };
for (const z of cfg.zones) delete z.locationsCsv; // rows already merged
const PICKERS = ['soak-a1', 'soak-a2', 'soak-b1', 'soak-b2', 'soak-m1', 'soak-p1'];
const voiceOps = (cfg.operators ?? []).slice(0, 2); // jdoe and asmith work the voice aisle
cfg.operators = [...voiceOps, ...PICKERS.map((id, i) => ({ id, pin: String(7000 + i) }))];
const file = join(dir, 'soak-site.yaml');
writeFileSync(file, stringify(cfg));
const zone = (id: string) => cfg.zones.find((z) => z.id === id)!;
const ids = (id: string) => zone(id).locations.map((l) => l.id);

// --- the controller child
const root = join(import.meta.dirname, '..');
const child = fork(join(root, 'bin', 'run-ts.js'), [join(root, 'bench', 'soak-child.ts')], {
  execArgv: [...process.execArgv, '--expose-gc'], // samples are taken after a full collection
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  env: { ...process.env, PICKLINE_LOG_FORMAT: 'json' },
});
const errors: string[] = [];
const warnings: string[] = [];
const error = (e: string) => {
  if (errors.length < 1000) errors.push(e);
};
createInterface({ input: child.stdout! }).on('line', (l) => {
  try {
    const r = JSON.parse(l) as { level?: number; msg?: string; [k: string]: unknown };
    const text =
      `${r.bus ?? ''}${r.address !== undefined ? `/${r.address}` : ''} ${r.msg} ${r.err ?? r.reason ?? ''}`.trim();
    if ((r.level ?? 0) >= 50) error(`controller: ${text}`);
    else if ((r.level ?? 0) >= 40 && warnings.length < 1000) warnings.push(text);
  } catch {
    // not a log line
  }
});
let childExited = false;
child.once('exit', (code) => {
  childExited = true;
  if (!stopping) error(`controller child exited (code ${code})`);
});
let stopping = false;

const replies = new Map<string, (m: Record<string, unknown>) => void>();
const closers = new Map<string, (at: number) => void>();
const closedAt = new Map<string, number>();
const closedByZone: Record<string, number> = {};
child.on('message', (m: Record<string, unknown> & { cmd: string }) => {
  if (m.cmd === 'closed') {
    const id = String(m.lineId);
    const z = String(m.location ?? '').split('-')[0];
    closedByZone[z] = (closedByZone[z] ?? 0) + 1;
    const c = closers.get(id);
    if (c) c(m.at as number);
    else closedAt.set(id, m.at as number);
    return;
  }
  replies.get(m.cmd)?.(m);
});
const ask = (cmd: string, reply: string, extra: Record<string, unknown> = {}) =>
  new Promise<Record<string, unknown>>((resolve) => {
    replies.set(reply, resolve);
    child.send({ cmd, ...extra });
  });

const ready = await ask('start', 'ready', { config: file });
const api = `${ready.url}/api/v1`;
const headers = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});
const post = async (path: string, body: unknown, token = 'demo-operator-token') => {
  const r = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: headers(token),
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) error(`POST ${path} → ${r.status} ${text.slice(0, 200)}`);
  return { status: r.status, body: text ? JSON.parse(text) : null };
};
/** Resolves with the time the line was closed; rejects after CLOSE_TIMEOUT_MS. */
const closed = (lineId: string) =>
  new Promise<number>((resolve, reject) => {
    const early = closedAt.get(lineId);
    if (early !== undefined) {
      closedAt.delete(lineId);
      return resolve(early);
    }
    const t = setTimeout(() => {
      closers.delete(lineId);
      reject(new Error(`line ${lineId} not closed within ${CLOSE_TIMEOUT_MS} ms`));
    }, CLOSE_TIMEOUT_MS);
    closers.set(lineId, (at) => {
      clearTimeout(t);
      closers.delete(lineId);
      resolve(at);
    });
  });

// --- the pickers
const pressMs: number[] = [];
const voiceRoundTrips: number[] = [];
let represses = 0;
let running = true;
let seq = 0;
const rnd = (() => {
  let s = 42;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
})();
const pick = <T>(xs: T[], n: number) => [...xs].sort(() => rnd() - 0.5).slice(0, n);

/** One picker in a light zone: its own bins, one order at a time (scan, press each lit bin). */
async function lightPicker(zoneId: string, picker: string, bins: string[]) {
  while (running) {
    const n = ++seq;
    const order = `${picker}-${n}`;
    const lines = pick(bins, 1 + Math.floor(rnd() * 3)).map((location, i) => ({
      lineId: `${order}-${i + 1}`,
      sku: `SKU-${location}`,
      location,
      quantity: 1 + Math.floor(rnd() * 5),
    }));
    const w = await post(
      '/waves',
      { waveId: `W-${order}`, orders: [{ orderId: order, container: `C-${order}`, lines }] },
      'demo-wms-token',
    );
    if (w.status !== 201) return;
    const s = await post(`/zones/${zoneId}/scan`, { code: `C-${order}`, picker });
    if (s.status !== 200) return;
    await work(lines.map((l) => ({ lineId: l.lineId, location: l.location })));
  }
}

/** Presses each lit bin (sometimes '-' first: a short) and waits for its line to close. */
async function work(lines: { lineId: string; location: string }[]) {
  for (const l of lines) {
    if (THINK_MS > 0) await sleep(THINK_MS);
    const t0 = now();
    const waiting = closed(l.lineId);
    const press = (key: string) => post(`/simulator/locations/${l.location}/press`, { key });
    if (rnd() < 0.1 && (await press('minus')).status !== 200) return;
    if ((await press('confirm')).status !== 200) return;
    const settled = waiting.then(
      () => true,
      () => true,
    );
    const again = (async () => {
      for (;;) {
        if (await Promise.race([settled, sleep(REPRESS_MS).then(() => false)])) return;
        represses++;
        await press('confirm');
      }
    })();
    try {
      pressMs.push((await waiting) - t0);
    } catch (e) {
      error((e as Error).message);
      return;
    } finally {
      await again;
    }
  }
}

/** The put wall: one-line orders; a SKU scan lights the order's cubby, the picker puts and confirms. */
async function putWallPicker(picker: string) {
  while (running) {
    const n = ++seq;
    const order = `${picker}-${n}`;
    const sku = `BOOK-${n}`;
    const w = await post(
      '/waves',
      {
        waveId: `W-${order}`,
        orders: [
          { orderId: order, putWall: 'P', lines: [{ lineId: `${order}-1`, sku, quantity: 2 }] },
        ],
      },
      'demo-wms-token',
    );
    if (w.status !== 201) return;
    const s = await post('/zones/P/scan', { code: sku, picker });
    const lit = (s.body?.lit ?? []) as { location: string }[];
    if (s.status !== 200 || lit.length !== 1) {
      error(`put wall scan ${sku}: ${s.status}, lit ${JSON.stringify(lit)}`);
      return;
    }
    await work([{ lineId: `${order}-1`, location: lit[0].location }]);
  }
}

/** Two voice workers in zone V: the WMS posts a batch, the workers work it off, again. */
async function voiceAisle() {
  const bins = ids('V');
  const ops = voiceOps;
  while (running) {
    const n = ++seq;
    const orders = ops.map((_, k) => {
      const order = `V-${n}-${k}`;
      return {
        orderId: order,
        container: `CART-${order}`,
        lines: pick(bins, 2).map((location, i) => ({
          lineId: `${order}-${i + 1}`,
          sku: `SKU-${location}`,
          location,
          quantity: 1 + Math.floor(rnd() * 3),
          description: 'box',
        })),
      };
    });
    if ((await post('/waves', { waveId: `W-V-${n}`, orders }, 'demo-wms-token')).status !== 201)
      return;
    const reports = await Promise.all(
      ops.map((o, k) =>
        runWorker({
          baseUrl: String(ready.url),
          operator: o.id,
          pin: String(o.pin),
          zone: 'V',
          site: cfg,
          seed: n * 2 + k,
          mistakes: { wrongDigits: 0.1 },
          thinkMs: THINK_MS,
          onRoundTrip: (ms) => voiceRoundTrips.push(ms),
        }),
      ),
    );
    for (const r of reports) for (const e of r.errors) error(`voice: ${e}`);
  }
}

// --- run
const samples: { t: number; rss: number; heapUsed: number }[] = [];
const t0 = Date.now();
const sample = async () => {
  const s = await ask('sample', 'sample');
  samples.push({ t: (Date.now() - t0) / 60_000, rss: Number(s.rss), heapUsed: Number(s.heapUsed) });
};
child.send({ cmd: 'go' });
await sample();
const sampler = setInterval(() => void sample(), SAMPLE_MS);
const half = (xs: string[]) => [xs.slice(0, xs.length / 2), xs.slice(xs.length / 2)];
const [a1, a2] = half(ids('A'));
const [b1, b2] = half(ids('B'));
const pickers = [
  lightPicker('A', 'soak-a1', a1),
  lightPicker('A', 'soak-a2', a2),
  lightPicker('B', 'soak-b1', b1),
  lightPicker('B', 'soak-b2', b2),
  lightPicker('M', 'soak-m1', ids('M')),
  putWallPicker('soak-p1'),
  voiceAisle(),
];
const deadline = t0 + MINUTES * 60_000;
while (Date.now() < deadline && !childExited) await sleep(250);
running = false;
await Promise.all(pickers);
clearInterval(sampler);
if (!childExited) await sample();

// every event delivered to the WMS by webhook
const status = childExited
  ? null
  : ((await (await fetch(`${api}/status`, { headers: headers('demo-wms-token') })).json()) as {
      lastEventSeq: number;
    });
// delivery is one event at a time, in seq order: on a busy machine it may trail the floor
const DRAIN_MS = 60_000;
const delivered = () => Math.max(0, ...wms.events.map((e) => e.seq));
const webhookLagAtEnd = status ? status.lastEventSeq - delivered() : null;
const drainStart = Date.now();
while (status && delivered() < status.lastEventSeq && Date.now() - drainStart < DRAIN_MS)
  await sleep(100);
const webhookDrainS = Math.round((Date.now() - drainStart) / 100) / 10;
// a backlog is throughput (events wait in the outbox, delivery resumes); a gap or a bad signature is an error
const seqs = new Set(wms.events.map((e) => e.seq));
let gaps = 0;
for (let q = 1; q <= delivered(); q++) if (!seqs.has(q)) gaps++;
if (gaps > 0) error(`webhooks: ${gaps} events missing below seq ${delivered()}`);
const webhookUndelivered = status ? status.lastEventSeq - delivered() : null;
if (wms.counters.badSignatures > 0) error(`webhooks: ${wms.counters.badSignatures} bad signatures`);

stopping = true;
const end = childExited ? null : await ask('stop', 'stopped');
await new Promise((r) => (childExited ? r(undefined) : child.once('exit', r)));
await wms.stop();
rmSync(dir, { recursive: true, force: true });

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
const lastHalf = samples.filter((s) => s.t >= MINUTES / 2);
const rssSlope = slope(lastHalf.map((s) => ({ x: s.t, y: s.rss / 1048576 })));
const heapSlope = slope(lastHalf.map((s) => ({ x: s.t, y: s.heapUsed / 1048576 })));
const lines = Object.values(closedByZone).reduce((a, b) => a + b, 0);
const out = {
  bench: 'soak',
  minutes: MINUTES,
  sampleS: SAMPLE_MS / 1000,
  linesClosed: lines,
  linesByZone: closedByZone,
  linesPerMinute: Math.round(lines / MINUTES),
  errors: errors.length,
  errorSamples: errors.slice(0, 10),
  warnings: warnings.length,
  warningSamples: warnings.slice(0, 5),
  pressToClosedMs: { p50: pct(pressMs, 50), p99: pct(pressMs, 99), n: pressMs.length },
  voiceWordsToPromptMs: { p50: pct(voiceRoundTrips, 50), p99: pct(voiceRoundTrips, 99) },
  rssMb: {
    first: mb(samples[0]?.rss ?? 0),
    last: mb(samples.at(-1)?.rss ?? 0),
    max: mb(Math.max(...samples.map((s) => s.rss))),
  },
  rssGrowthMb: mb((samples.at(-1)?.rss ?? 0) - (samples[0]?.rss ?? 0)),
  rssSlopeMbPerMinLastHalf: rssSlope === null ? null : Math.round(rssSlope * 100) / 100,
  heapUsedMb: { first: mb(samples[0]?.heapUsed ?? 0), last: mb(samples.at(-1)?.heapUsed ?? 0) },
  heapSlopeMbPerMinLastHalf: heapSlope === null ? null : Math.round(heapSlope * 100) / 100,
  samples: samples.map((s) => ({
    min: Math.round(s.t * 100) / 100,
    rssMb: mb(s.rss),
    heapMb: mb(s.heapUsed),
  })),
  eventLoopDelayMs: end
    ? {
        p99: Math.round(Number(end.elDelayP99Ms) * 10) / 10,
        max: Math.round(Number(end.elDelayMaxMs) * 10) / 10,
      }
    : null,
  openHandlesBeforeStop: end?.handlesBefore ?? null,
  openHandlesAfterStop: end?.handlesAfter ?? null,
  webhookEvents: wms.events.length,
  webhookLagAtEnd,
  webhookDrainS,
  webhookUndelivered,
  represses,
  loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100),
};
console.log(JSON.stringify(out, null, values.json ? 0 : 2));
console.log(
  `soak ${MINUTES} min: ${lines} lines closed (${Object.entries(closedByZone)
    .map(([z, n]) => `${z} ${n}`)
    .join(
      ', ',
    )}), ${errors.length} errors, press→closed p50 ${out.pressToClosedMs.p50} ms p99 ${out.pressToClosedMs.p99} ms, RSS ${out.rssMb.first}→${out.rssMb.last} MB (slope ${out.rssSlopeMbPerMinLastHalf} MB/min over the last half), heap ${out.heapUsedMb.first}→${out.heapUsedMb.last} MB, event-loop p99 ${out.eventLoopDelayMs?.p99} ms, ${represses} re-presses, webhook backlog ${webhookLagAtEnd} (${webhookUndelivered} after ${webhookDrainS} s), load ${out.loadAverage.join(' ')}`,
);
process.exitCode = errors.length > 0 ? 1 : 0;
