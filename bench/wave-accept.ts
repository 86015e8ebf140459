/**
 * Wave intake: time for the API to accept a wave of N lines over real HTTP
 * (parse, validate whole, store in one transaction, answer 201 with the wave).
 * Target (issue 2): 10,000 lines in under 1 s.
 *   node bin/run-ts.js bench/wave-accept.ts [--lines 10000] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { auth, harness, tempDir } from '../test/helpers/harness.ts';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } },
});
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const PER_ORDER = 10;

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

const tmp = tempDir('pickline-bench-');
const h = await harness(`${tmp.dir}/bench.db`, { bodyLimit: 64 * 1024 * 1024 });
await h.app.listen({ host: '127.0.0.1', port: 0 });
const { port } = h.app.server.address() as { port: number };
const times: number[] = [];
let bytes = 0;
try {
  for (let r = 0; r < RUNS + 1; r++) {
    const body = JSON.stringify(wave(`BW-${r}`));
    bytes = body.length;
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/waves`, {
      method: 'POST',
      headers: { ...auth('wms'), 'content-type': 'application/json' },
      body,
    });
    const json = (await res.json()) as { counts?: { lines: number } };
    const ms = performance.now() - t0;
    if (res.status !== 201 || json.counts?.lines !== LINES)
      throw new Error(`run ${r}: HTTP ${res.status}`);
    if (r > 0) times.push(ms); // run 0 warms up the JIT and the prepared statements
  }
} finally {
  await h.close();
  tmp.remove();
}
times.sort((a, b) => a - b);
const result = {
  bench: 'wave-accept',
  lines: LINES,
  bodyBytes: bytes,
  runs: RUNS,
  msMedian: Number(times[Math.floor(times.length / 2)].toFixed(1)),
  msMax: Number(times[times.length - 1].toFixed(1)),
  msMin: Number(times[0].toFixed(1)),
  targetMs: 1000,
  pass: times[times.length - 1] < 1000,
};
console.log(JSON.stringify(result));
console.log(
  `wave-accept: ${LINES} lines (${(bytes / 1e6).toFixed(1)} MB) accepted in median ${result.msMedian} ms, max ${result.msMax} ms over ${RUNS} runs (target < 1000 ms: ${result.pass ? 'PASS' : 'FAIL'})`,
);
