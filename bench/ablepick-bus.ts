/**
 * ABLEPick bus against the controller simulator on 127.0.0.1: how many light
 * states a second one bus gets acknowledged (each exchange = the lamp frames +
 * the 0x09 barrier), and how long a key press takes from the simulated
 * controller to the bus's key listener. Loopback only: a real controller adds
 * its field-bus round to every exchange.
 *   node bin/run-ts.js bench/ablepick-bus.ts [--tags 100] [--lights 2000] [--presses 500]
 */
import { parseArgs } from 'node:util';
import type { BusConfig } from '../config/schema.ts';
import { createBus } from '../device-drivers/index.ts';
import type { KeyEvent } from '../device-drivers/types.ts';
import { AblePickSimulator } from '../simulators/ablepick/index.ts';
import { percentile, round } from '../test/kit/stats.ts';

const { values } = parseArgs({
  options: {
    tags: { type: 'string', default: '100' },
    lights: { type: 'string', default: '2000' },
    presses: { type: 'string', default: '500' },
  },
});
const TAGS = Array.from({ length: Number(values.tags) }, (_, i) => i + 1);
const pct = (xs: number[], p: number) => round(percentile(xs, p), 2);

const sim = new AblePickSimulator({ tags: { 1: TAGS } });
const { host, port } = await sim.start();
const bus = createBus(
  { id: 'bench', transport: 'ablepick', host, port, healthIntervalMs: 600_000 } as BusConfig,
  { profiles: new Map(), addresses: TAGS },
);
await bus.start();

const lights = Number(values.lights);
const t0 = performance.now();
for (let i = 0; i < lights; i++) {
  const tag = TAGS[i % TAGS.length];
  await bus.light(tag, { mode: 'on', color: 'green', display: i % 1000, seq: i + 1 });
}
const lightsPerSecond = round((lights * 1000) / (performance.now() - t0));

const latencies: number[] = [];
let resolveKey: (e: KeyEvent) => void = () => {};
bus.onKey((e) => resolveKey(e));
for (let i = 0; i < Number(values.presses); i++) {
  const tag = TAGS[i % TAGS.length];
  const got = new Promise<KeyEvent>((r) => {
    resolveKey = r;
  });
  const at = performance.now();
  sim.press(tag, 'confirm');
  await got;
  latencies.push(performance.now() - at);
}
await bus.stop();
await sim.stop();

const result = {
  bench: 'ablepick-bus',
  tags: TAGS.length,
  lightsPerSecond,
  keyLatencyMs: { median: pct(latencies, 50), p95: pct(latencies, 95), max: pct(latencies, 100) },
};
console.log(JSON.stringify(result));
console.log(
  `ablepick-bus (loopback, ${TAGS.length} tags): ${lightsPerSecond} acknowledged lights/s; ` +
    `key press → listener median ${result.keyLatencyMs.median} ms, p95 ${result.keyLatencyMs.p95} ms`,
);
