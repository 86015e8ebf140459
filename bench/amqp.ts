/**
 * Message-bus benchmark (docs/CONTRACTS.md §6) on a private Debian
 * rabbitmq-server node:
 * - relay: a backlog of N events published on the confirm channel until the
 *   broker confirmed every one (target >= 5,000 events/s), into a bound queue;
 * - intake: a 10,000-line wave published as a `wave.create` message until
 *   its `wave.accepted` is committed (target < 0.5 s);
 * - RSS of this process (the controller's services) at the end.
 * Webhook drain figures: bench/webhooks.ts (per event and --batch).
 *
 *   node bin/run-ts.js bench/amqp.ts [--events 50000] [--lines 10000]
 * Prints one JSON line and a one-line summary.
 */
import { connect } from 'amqplib';
import pino from 'pino';
import { loadConfig } from '../config/load.ts';
import { Outbox } from '../controller/events/outbox.ts';
import { MessageBus } from '../controller/message-bus/message-bus.ts';
import { DEFAULT_CONFIG } from '../controller/paths.ts';
import { Site } from '../controller/site.ts';
import { Store } from '../controller/store/db.ts';
import { syncLocations } from '../controller/store/locations.ts';
import { WaveService } from '../controller/waves/service.ts';
import { tempDir } from '../test/kit/harness.ts';
import { startRabbit } from '../test/kit/peers.ts';
import { until } from '../test/kit/until.ts';

const opt = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const EVENTS = opt('--events', 50_000);
const LINES = opt('--lines', 10_000);

const tmp = tempDir('pickline-bench-amqp-');
const rabbit = await startRabbit('bench');
const { config } = loadConfig(DEFAULT_CONFIG, {});
const store = new Store(`${tmp.dir}/bench.db`);
let bus: MessageBus | null = null;
try {
  store.start();
  const outbox = new Outbox(store);
  const site = new Site(config);
  syncLocations(store, site);
  const waves = new WaveService({ store, outbox, site, maxLines: 100_000 });
  // the WMS's queue for the site's events (otherwise they go to the unrouted queue: same cost)
  const wms = await connect(rabbit.url);
  const ch = await wms.createChannel();
  store.tx(() => {
    for (let i = 1; i <= EVENTS; i++)
      outbox.append('line.picked', { waveId: 'W-1', lineId: `L-${i}`, requested: 1, picked: 1 });
  });
  bus = new MessageBus({
    config: { url: rabbit.url },
    site: config.site,
    store,
    outbox,
    waves,
    logger: pino({ level: process.env.BENCH_LOG ?? 'warn' }),
  });
  // declare first (as the WMS would bind after the controller's first start)
  await ch.assertExchange('pickline.events', 'topic', {
    durable: true,
    arguments: { 'alternate-exchange': 'pickline.events.unrouted' },
  });
  await ch.assertQueue('wms.events', { durable: true });
  await ch.bindQueue('wms.events', 'pickline.events', `${config.site}.#`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  bus.start();
  await until(() => bus?.relay.delivered === EVENTS, 'relay confirmed the backlog', 600_000, 2);
  const relayMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const queued = (await ch.checkQueue('wms.events')).messageCount;

  // a 10,000-line wave by message
  const lines = Array.from({ length: LINES }, (_, j) => ({
    lineId: `BW-L${j + 1}`,
    sku: `SKU-${j % 50}`,
    location: `A-01-${String((j % 16) + 1).padStart(2, '0')}`,
    quantity: 1,
  }));
  const orders = Array.from({ length: LINES / 10 }, (_, i) => ({
    orderId: `BW-O${i + 1}`,
    lines: lines.slice(i * 10, i * 10 + 10),
  }));
  const body = Buffer.from(JSON.stringify({ waveId: 'BW', orders }));
  await until(() => bus?.status().consuming === true, 'consuming', 60_000, 2);
  let acceptedAt = 0;
  const off = outbox.onEvent((e) => {
    if (e.type === 'wave.accepted' && e.data.waveId === 'BW') acceptedAt = performance.now();
    if (e.type === 'wave.rejected')
      throw new Error(`bench wave rejected: ${JSON.stringify(e.data)}`);
  });
  const t1 = performance.now();
  ch.publish('pickline.commands', `wave.create.${config.site}`, body, {
    messageId: 'bench-wave',
    contentType: 'application/json',
    persistent: true,
  });
  await until(() => acceptedAt > 0, 'wave accepted', 60_000, 2);
  off();
  const waveMs = acceptedAt - t1;
  await wms.close();
  const out = {
    bench: 'amqp',
    relay: {
      events: EVENTS,
      ms: Math.round(relayMs),
      eventsPerSecond: Math.round((EVENTS / relayMs) * 1000),
      cpuMsPerEvent: Number(((cpu.user + cpu.system) / 1000 / EVENTS).toFixed(3)),
      inWmsQueue: queued,
    },
    waveByMessage: { lines: LINES, bytes: body.length, acceptedMs: Math.round(waveMs) },
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  };
  console.log(JSON.stringify(out));
  console.log(
    `amqp: relay ${out.relay.eventsPerSecond} events/s confirmed (target >= 5000), ` +
      `${LINES}-line wave by message accepted in ${out.waveByMessage.acceptedMs} ms (target < 500), RSS ${out.rssMB} MB`,
  );
} finally {
  await bus?.stop();
  store.stop();
  await rabbit.close();
  tmp.remove();
}
