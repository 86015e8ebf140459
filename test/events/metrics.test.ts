/**
 * ControllerMetrics (controller/metrics.ts) over stand-in sources: line
 * events counted by outcome, the drivers' latency buckets moved into the
 * histogram exactly once per answer (also across a bus restart), the webhook
 * backlog per URL, running totals as `_total` counters that never go down
 * (issue 17 item 7) beside their deprecated gauges.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStats } from '../../controller/engine/engine.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { ControllerMetrics } from '../../controller/metrics.ts';
import { Store } from '../../controller/store/db.ts';
import { emptyCounters } from '../../device-drivers/common/counters.ts';
import type { BusInfo } from '../../device-drivers/types.ts';

let store: Store;
let outbox: Outbox;
let bus: BusInfo;
let stats: EngineStats;
let m: ControllerMetrics;

beforeEach(() => {
  store = new Store(':memory:');
  store.start();
  outbox = new Outbox(store);
  bus = {
    id: 'bus-a',
    transport: 'modbus-tcp',
    open: true,
    queueDepth: 0,
    counters: emptyCounters(),
    modules: 3,
    online: 2,
  };
  stats = {
    keyPresses: 4,
    picks: 0,
    ignoredPresses: 1,
    heldPresses: 0,
    refusedOverPicks: 0,
    lightFailures: 0,
  };
  m = new ControllerMetrics({
    outbox,
    engine: () => stats,
    buses: () => [bus],
    webhooks: () => [
      {
        url: 'http://wms/events',
        deliveredSeq: 1,
        pending: 7,
        attempts: 0,
        lastError: null,
        nextAttemptAt: null,
      },
    ],
    litModules: () => 2,
    voiceSessions: () => 3,
  });
  m.start();
});
afterEach(() => {
  m.stop();
  store.stop();
});

describe('controller metrics', () => {
  it('counts picked and shorted lines from the outbox', async () => {
    store.tx(() => {
      outbox.append('line.picked', { lineId: 'L1' });
      outbox.append('line.shorted', { lineId: 'L2' });
      outbox.append('line.picked', { lineId: 'L3' });
      outbox.append('order.completed', { orderId: 'O1' });
    });
    await new Promise((r) => setImmediate(r));
    const t = await m.text();
    expect(t).toContain('pickline_lines_closed_total{outcome="picked"} 2');
    expect(t).toContain('pickline_lines_closed_total{outcome="shorted"} 1');
    expect(t).toContain('pickline_lit_modules 2');
    expect(t).toContain('pickline_voice_sessions 3');
    expect(t).toContain('pickline_webhook_backlog{url="http://wms/events"} 7');
    expect(t).toContain('pickline_bus_modules_online{bus="bus-a"} 2');
  });

  it('moves each answer of the latency buckets into the histogram once, also after a bus restart', async () => {
    bus.counters.latencyMs['5'] = 3;
    bus.counters.latencyMs['50'] = 1;
    bus.counters.latencyMs['+Inf'] = 1;
    let t = await m.text();
    expect(t).toContain('pickline_bus_latency_seconds_bucket{le="0.005",bus="bus-a"} 3');
    expect(t).toContain('pickline_bus_latency_seconds_bucket{le="0.05",bus="bus-a"} 4');
    expect(t).toContain('pickline_bus_latency_seconds_bucket{le="1",bus="bus-a"} 4');
    expect(t).toContain('pickline_bus_latency_seconds_bucket{le="+Inf",bus="bus-a"} 5');
    t = await m.text(); // nothing new: nothing added
    expect(t).toContain('pickline_bus_latency_seconds_count{bus="bus-a"} 5');
    bus.counters.latencyMs['5'] = 4; // one more fast answer
    t = await m.text();
    expect(t).toContain('pickline_bus_latency_seconds_count{bus="bus-a"} 6');
    bus.counters = emptyCounters(); // the bus restarted: its counters start again
    bus.counters.latencyMs['10'] = 2;
    t = await m.text();
    expect(t).toContain('pickline_bus_latency_seconds_bucket{le="0.01",bus="bus-a"} 6');
    expect(t).toContain('pickline_bus_latency_seconds_count{bus="bus-a"} 8');
  });

  it('counts capability shortfalls of buses that report them, monotonic across a bus restart', async () => {
    let t = await m.text();
    expect(t).not.toContain('pickline_bus_capability_mismatches_total{');
    bus.capabilityMismatches = 2;
    t = await m.text();
    expect(t).toContain('pickline_bus_capability_mismatches_total{bus="bus-a"} 2');
    t = await m.text(); // nothing new
    expect(t).toContain('pickline_bus_capability_mismatches_total{bus="bus-a"} 2');
    bus.capabilityMismatches = 1; // the bus restarted and counted one
    t = await m.text();
    expect(t).toContain('pickline_bus_capability_mismatches_total{bus="bus-a"} 3');
  });

  it('records API request durations by route pattern and status', async () => {
    m.observeRequest('GET', '/api/v1/waves/:waveId', 200, 0.003);
    m.observeRequest('GET', '/api/v1/waves/:waveId', 404, 0.002);
    const t = await m.text();
    expect(t).toContain(
      'pickline_api_request_duration_seconds_count{method="GET",route="/api/v1/waves/:waveId",status="200"} 1',
    );
    expect(t).toContain(
      'pickline_api_request_duration_seconds_count{method="GET",route="/api/v1/waves/:waveId",status="404"} 1',
    );
  });

  it('serves running totals as _total counters that only go up, also when a bus restarts', async () => {
    Object.assign(bus.counters, { transactions: 10, timeouts: 1, crcErrors: 1, exceptions: 1 });
    let t = await m.text();
    expect(t).toContain('pickline_bus_transactions_total{bus="bus-a"} 10');
    expect(t).toContain('pickline_bus_timeouts_total{bus="bus-a"} 1');
    expect(t).toContain('pickline_bus_errors_total{bus="bus-a"} 2');
    expect(t).toContain('pickline_key_presses_total{kind="all"} 4');
    expect(t).toContain('pickline_key_presses_total{kind="ignored"} 1');
    expect(t).toContain('pickline_key_presses_total{kind="held"} 0');
    bus.counters.transactions = 15;
    stats.keyPresses = 6;
    t = await m.text();
    expect(t).toContain('pickline_bus_transactions_total{bus="bus-a"} 15');
    expect(t).toContain('pickline_key_presses_total{kind="all"} 6');
    t = await m.text(); // nothing new: nothing added
    expect(t).toContain('pickline_bus_transactions_total{bus="bus-a"} 15');
    bus.counters = emptyCounters(); // the bus restarted: its totals start again
    bus.counters.transactions = 3;
    t = await m.text();
    expect(t).toContain('pickline_bus_transactions_total{bus="bus-a"} 18');
    expect(t).toContain('pickline_bus_timeouts_total{bus="bus-a"} 1');
    // the deprecated gauge still shows the bus's own running total
    expect(t).toContain('pickline_bus_transactions{bus="bus-a"} 3');
  });

  it('types every _total family as a counter and keeps the old gauges, marked deprecated', async () => {
    const t = await m.text();
    const types = new Map([...t.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]));
    const totals = [...types.keys()].filter((n) => n.endsWith('_total'));
    expect(totals.sort()).toEqual([
      'pickline_bus_capability_mismatches_total',
      'pickline_bus_errors_total',
      'pickline_bus_timeouts_total',
      'pickline_bus_transactions_total',
      'pickline_key_presses_total',
      'pickline_lines_closed_total',
    ]);
    for (const n of totals) expect(types.get(n), n).toBe('counter');
    for (const old of [
      'pickline_key_presses',
      'pickline_bus_transactions',
      'pickline_bus_timeouts',
      'pickline_bus_errors',
    ]) {
      expect(types.get(old), old).toBe('gauge');
      expect(t).toContain(`# HELP ${old} DEPRECATED, use ${old}_total`);
    }
  });
});
