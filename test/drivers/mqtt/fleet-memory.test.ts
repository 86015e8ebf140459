/**
 * What one MQTT module costs the controller's heap (issue 16 item 15): the
 * embedded broker and the light bus with FLEET modules configured, connected
 * (their logins, subscriptions, last wills and retained `status`) and lit,
 * the fleet in a child process (bench/mqtt-fleet-child.ts) so that only the
 * controller's side is counted. Measured as the heap still in use after a
 * full collection, before and after: the live set, not garbage, and no time.
 *
 * The bound (BYTES_PER_MODULE, 16 KiB) comes from the memory target of
 * bench/mqtt-fleet.ts: 5,000 modules under 300 MB RSS. The process takes
 * ~150 MB before the controller starts (bench `rssBeforeStart`), and with
 * the heap policy (bin/heap-policy.js) the heap grows to ~1.3× its live set
 * between collections, so the live set may take at most
 * (300 − 150) / 1.3 / 5,000 ≈ 23 KB a module. Measured here: 12.5 KB (the
 * fixed cost of one broker and one bus included); before the flat counters
 * (device-drivers/common/counters.ts) 24.8 KB, over that budget: a latency
 * record keyed "5" … "1000" (array indices to V8) gave every module an
 * elements store sized for index 1000 (6 KB a record, measured alone).
 * 16 KiB leaves room for a field or two and fails on a regression of that
 * size.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../device-drivers/common/logger.ts';
import { CONTROLLER_USER, EmbeddedBroker } from '../../../device-drivers/mqtt/broker.ts';
import { createMqttBus } from '../../../device-drivers/mqtt/factory.ts';
import type { MqttLightBus } from '../../../device-drivers/mqtt/mqtt-bus.ts';
import { until } from '../../kit/until.ts';

const FLEET = 400;
/** see the header: measured 12.5 KB a module */
const BYTES_PER_MODULE = 16 * 1024;

const ids = Array.from({ length: FLEET }, (_, i) => `ptl-${String(i + 1).padStart(4, '0')}`);
const secretOf = (id: string) => `device-secret-of-${id}`;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** heap in use after full collections (twice: finalizers of the first free more) */
function liveHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let child: ChildProcess | null = null;
let broker: EmbeddedBroker | null = null;
let bus: MqttLightBus | null = null;

afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.send({ cmd: 'stop' });
    await exited;
  }
  await bus?.stop();
  await broker?.stop();
});

function startBroker(modules: string[]): Promise<EmbeddedBroker> {
  const b = new EmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    modules: modules.map((id) => ({ id, secret: secretOf(id) })),
    scanners: [],
    log: silentLogger,
  });
  return b.start().then(() => b);
}

function startBus(b: EmbeddedBroker, modules: string[]): Promise<MqttLightBus> {
  const m = createMqttBus(
    { id: 'mq', transport: 'mqtt', timeoutMs: 2000 },
    { profiles: new Map(), addresses: modules, logger: silentLogger },
    {
      link: () => ({
        url: b.url,
        username: CONTROLLER_USER,
        password: b.controllerSecret,
        clientId: `pickline-test-${modules.length}`,
      }),
    },
  );
  return m.start().then(() => m);
}

describe('MQTT fleet memory', () => {
  it(`costs the controller under ${BYTES_PER_MODULE / 1024} KiB of live heap a module (${FLEET} modules)`, async () => {
    // warm up: code, inline caches and the libraries' own singletons are not per module
    const warm = await startBroker(ids.slice(0, 1));
    const warmBus = await startBus(warm, ids.slice(0, 1));
    await warmBus.stop();
    await warm.stop();

    const before = liveHeap();
    broker = await startBroker(ids);
    bus = await startBus(broker, ids);
    child = fork(
      join(import.meta.dirname, '../../../bin/run-ts.js'),
      ['bench/mqtt-fleet-child.ts'],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    // a child that cannot start fails the test at once instead of at its timeout
    const ready = new Promise<void>((resolve, reject) => {
      child!.on('message', (m: { cmd: string }) => m.cmd === 'ready' && resolve());
      child!.once('exit', (code) => reject(new Error(`fleet child exited ${code} before ready`)));
    });
    child.send({ cmd: 'start', url: broker.url, ids });
    await ready;
    await until(() => bus!.info().online === FLEET, 'every module online', 240_000);
    await until(() => broker!.retained?.size === FLEET, 'every status retained', 10_000);
    // each module lit once and acked: its wanted state, delivery and counters exist
    await Promise.all(
      ids.map((id, i) => bus!.light(id, { mode: 'on', color: 'green', display: 1, seq: i + 1 })),
    );
    const after = liveHeap();
    const perModule = (after - before) / FLEET;
    console.log(
      `fleet memory: ${FLEET} modules, live heap +${((after - before) / 1048576).toFixed(1)} MiB, ${Math.round(perModule)} bytes a module`,
    );
    expect(perModule).toBeGreaterThan(0);
    expect(perModule).toBeLessThan(BYTES_PER_MODULE);
    // the retained statuses were found by exact topic: only the bus's wildcard subscription scanned
    expect(broker.retained!.scanned).toBeLessThanOrEqual(FLEET);
  }, 300_000);
});
