/**
 * Webhook delivery throughput: a backlog of N events drained to the simulated
 * WMS over real HTTP on 127.0.0.1, one event per POST in seq order
 * (CONTRACTS.md §1), or in batch mode (`--batch N`: N events per POST).
 * Targets (issue: message bus): per event >= 1,000 events/s, batched >= 5,000.
 * Prints one JSON line:
 *   node bin/run-ts.js bench/webhooks.ts [--events 2000] [--batch 100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../controller/events/outbox.ts';
import { WebhookDispatcher } from '../controller/events/webhooks.ts';
import { Store } from '../controller/store/db.ts';
import { WmsSimulator } from '../simulators/wms/index.ts';

const opt = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const events = opt('--events', 2000);
/** 0 = one event per POST (the default delivery); N = batch mode with batchSize N */
const batchSize = opt('--batch', 0);
const dir = mkdtempSync(join(tmpdir(), 'pickline-bench-'));
const store = new Store(join(dir, 'bench.db'));
const wms = new WmsSimulator({ secret: 'bench' });
let dispatcher: WebhookDispatcher | null = null;
try {
  store.start();
  const outbox = new Outbox(store);
  store.tx(() => {
    for (let i = 1; i <= events; i++) {
      outbox.append('line.picked', { waveId: 'W-1', lineId: `L-${i}`, requested: 1, picked: 1 });
    }
  });
  const { url } = await wms.start();
  dispatcher = new WebhookDispatcher({
    store,
    outbox,
    webhooks: [{ url, secret: 'bench', ...(batchSize ? { batchSize } : {}) }],
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  dispatcher.start();
  await dispatcher.drained(600_000);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // CPU per event (sender and the in-process WMS together) bounds the rate on an idle core
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    JSON.stringify({
      bench: 'webhooks.drain',
      mode: batchSize ? `batch of ${batchSize}` : 'per event',
      events,
      ms: Math.round(ms),
      eventsPerSecond: Math.round((events / ms) * 1000),
      cpuMsPerEvent: Number((cpuMs / events).toFixed(3)),
      eventsPerCpuSecond: Math.round((events / cpuMs) * 1000),
      duplicates: wms.counters.duplicates,
      outOfOrder: wms.counters.outOfOrder,
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6),
    }),
  );
} finally {
  await dispatcher?.stop();
  await wms.stop();
  store.stop();
  rmSync(dir, { recursive: true, force: true });
}
