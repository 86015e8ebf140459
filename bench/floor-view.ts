/**
 * Floor view latency (issue 11: a change reaches the page within 200 ms): a
 * client of GET /api/v1/floor/stream (Server-Sent Events, as the page's
 * EventSource) on the simulated floor over Modbus TCP. Per round: a scan
 * (POST /zones/A/scan answered) → the event showing the bin lit; a key press
 * on the simulated module → the event showing it dark.
 *   node bin/run-ts.js bench/floor-view.ts [--rounds 20]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Controller } from '../app/main.ts';
import { auth, tempDir } from '../test/kit/harness.ts';
import { liveSite } from '../test/kit/live.ts';
import { percentile, round } from '../test/kit/stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const ROUNDS = Number(values.rounds);
const TARGET_MS = 200;

const tmp = tempDir('pickline-bench-');
const site = await liveSite(tmp.dir);
const c = new Controller(site.loaded, { logger: pino({ level: 'silent' }) });
await c.start();
const base = `http://127.0.0.1:${c.address.port}/api/v1`;
const post = async (path: string, role: Parameters<typeof auth>[0], body: unknown) => {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...auth(role), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
};

type Floor = { zones: { bins: { id: string; lit: unknown }[] }[] };
const waiters = new Set<(f: Floor, at: number) => void>();
const stream = new AbortController();
const res = await fetch(`${base}/floor/stream`, { headers: auth('viewer'), signal: stream.signal });
const reading = (async () => {
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const at = performance.now();
      buf += decoder.decode(chunk, { stream: true });
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const msg = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = msg.split('\n').find((l) => l.startsWith('data: '));
        if (data) for (const w of [...waiters]) w(JSON.parse(data.slice(6)) as Floor, at);
        i = buf.indexOf('\n\n');
      }
    }
  } catch {
    // aborted at the end
  }
})();
const lit = (f: Floor, id: string) =>
  f.zones.flatMap((z) => z.bins).find((b) => b.id === id)?.lit != null;
/** The arrival time of the first floor event satisfying `pred` (5 s at most). */
const nextFloor = (pred: (f: Floor) => boolean) =>
  new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no floor event within 5 s')), 5000);
    const w = (f: Floor, at: number) => {
      if (!pred(f)) return;
      waiters.delete(w);
      clearTimeout(timer);
      resolve(at);
    };
    waiters.add(w);
  });

const scanToEvent: number[] = [];
const pressToEvent: number[] = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    const loc = `A-01-${String((i % 16) + 1).padStart(2, '0')}`;
    await post('/waves', 'wms', {
      waveId: `FV-${i}`,
      orders: [
        {
          orderId: `FVO-${i}`,
          container: `FV-T-${i}`,
          lines: [{ lineId: `FVL-${i}`, sku: 'X', location: loc, quantity: 1 }],
        },
      ],
    });
    const seen = nextFloor((f) => lit(f, loc));
    await post('/zones/A/scan', 'operator', { code: `FV-T-${i}`, picker: 'jdoe' });
    const t0 = performance.now();
    scanToEvent.push((await seen) - t0);
    const dark = nextFloor((f) => !lit(f, loc));
    const t1 = performance.now();
    site.floor.module(loc).press('confirm');
    pressToEvent.push((await dark) - t1);
  }
} finally {
  stream.abort();
  await reading;
  await c.stop();
  await site.stop();
  tmp.remove();
}
const q = (xs: number[], p: number) => round(percentile(xs, p), 1);
const out = {
  bench: 'floor-view.sse',
  rounds: ROUNDS,
  scanToEventMs: { median: q(scanToEvent, 50), p95: q(scanToEvent, 95), max: q(scanToEvent, 100) },
  pressToEventMs: {
    median: q(pressToEvent, 50),
    p95: q(pressToEvent, 95),
    max: q(pressToEvent, 100),
  },
  targetMs: TARGET_MS,
};
console.log(JSON.stringify(out));
const worst = Math.max(out.scanToEventMs.p95, out.pressToEventMs.p95);
console.log(
  `floor view: scan → event median ${out.scanToEventMs.median} ms, press → event median ${out.pressToEventMs.median} ms, p95 ${worst} ms (target < ${TARGET_MS} ms): ${worst < TARGET_MS ? 'OK' : 'SLOW'}`,
);
