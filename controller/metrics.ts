/**
 * Prometheus metrics of one controller (docs/kpis.md "Prometheus metrics",
 * `GET /metrics`), in their own prom-client registry. Counters (`_total`)
 * count since the process started and never go down; gauges say what is now.
 *
 * Bus latency: the drivers count answers in the fixed buckets of
 * device-drivers/common/counters.ts (not cumulative); each scrape moves the
 * new answers into a real histogram at their bucket's upper bound, so the
 * bucket counts are exact and `_sum` is an upper bound.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BOUNDS_MS } from '../device-drivers/common/counters.ts';
import type { BusInfo } from '../device-drivers/types.ts';
import type { EngineStats } from './engine/engine.ts';
import type { Outbox } from './events/outbox.ts';
import type { WebhookStatus } from './events/webhooks.ts';

export interface MetricSources {
  outbox: Outbox;
  engine: () => EngineStats;
  buses: () => BusInfo[];
  webhooks: () => WebhookStatus[];
  /** modules lit with a job now (the lights table) */
  litModules: () => number;
  /** operators with a voice dialog open now */
  voiceSessions?: () => number;
}

/**
 * Adds to `counter` what its source total `value` gained since the last
 * scrape. A source that went down started again (a bus restarted): all of
 * its value is new. The counter itself never goes down.
 */
function monotonic<L extends string>(
  counter: Counter<L>,
  seen: Map<string, number>,
  series: string,
  labels: Partial<Record<L, string>>,
  value: number,
): void {
  const key = `${series}${JSON.stringify(labels)}`;
  const before = seen.get(key) ?? 0;
  counter.inc(labels, value >= before ? value - before : value);
  seen.set(key, value);
}

/** Upper bound observed for the driver's "+Inf" bucket (above every finite bound). */
const OVER_LAST_BOUND_S = (LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] * 2) / 1000;

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly apiDuration: Histogram<'method' | 'route' | 'status'>;
  readonly webhookLatency: Histogram<'url'>;
  readonly #src: MetricSources;
  readonly #busLatency: Histogram<'bus'>;
  readonly #picks: Counter<'outcome'>;
  /** bucket counts already moved into #busLatency, per bus */
  readonly #seen = new Map<string, Record<string, number>>();
  /** source totals already added to each counter series (monotonic()) */
  readonly #totals = new Map<string, number>();
  #unsubscribe: (() => void) | null = null;

  constructor(src: MetricSources) {
    this.#src = src;
    const registers = [this.registry];
    const picks = new Counter({
      name: 'pickline_lines_closed_total',
      help: 'Lines closed since start, by outcome (picked, shorted)',
      labelNames: ['outcome'],
      registers,
    });
    picks.inc({ outcome: 'picked' }, 0);
    picks.inc({ outcome: 'shorted' }, 0);
    this.#picks = picks;
    new Gauge({
      name: 'pickline_lit_modules',
      help: 'Modules lit with a pick job now',
      registers,
      collect() {
        this.set(src.litModules());
      },
    });
    new Gauge({
      name: 'pickline_voice_sessions',
      help: 'Operators with a voice dialog open now',
      registers,
      collect() {
        this.set(src.voiceSessions?.() ?? 0);
      },
    });
    // Monotonic figures are counters named `_total` (prom-client and Prometheus
    // conventions: rate() and increase() see a restart as a reset). Their
    // sources are running totals that start again with the bus or the
    // controller; each scrape adds what is new (monotonic()).
    const keyPresses = (s: EngineStats): [string, number][] => [
      ['all', s.keyPresses],
      ['ignored', s.ignoredPresses],
      ['held', s.heldPresses],
    ];
    const seen = this.#totals;
    new Counter({
      name: 'pickline_key_presses_total',
      help: 'Key presses since start, by kind (engine counters): all, ignored, held',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const [kind, n] of keyPresses(src.engine()))
          monotonic(this, seen, 'pickline_key_presses_total', { kind }, n);
      },
    });
    const busCounter = (name: string, help: string, value: (b: BusInfo) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['bus'],
        registers,
        collect() {
          for (const b of src.buses()) monotonic(this, seen, name, { bus: b.id }, value(b));
        },
      });
    busCounter(
      'pickline_bus_transactions_total',
      'Transactions on the wire since start',
      (b) => b.counters.transactions,
    );
    busCounter(
      'pickline_bus_timeouts_total',
      'Transactions without an answer since start',
      (b) => b.counters.timeouts,
    );
    busCounter(
      'pickline_bus_errors_total',
      'CRC errors and exception answers since start',
      (b) => b.counters.crcErrors + b.counters.exceptions,
    );
    const busGauge = (name: string, help: string, value: (b: BusInfo) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['bus'],
        registers,
        collect() {
          for (const b of src.buses()) this.set({ bus: b.id }, value(b));
        },
      });
    // DEPRECATED (docs/kpis.md): the same figures as gauges, kept for one release
    new Gauge({
      name: 'pickline_key_presses',
      help: 'DEPRECATED, use pickline_key_presses_total: key presses since start, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const [kind, n] of keyPresses(src.engine())) this.set({ kind }, n);
      },
    });
    busGauge(
      'pickline_bus_transactions',
      'DEPRECATED, use pickline_bus_transactions_total: transactions since the bus started',
      (b) => b.counters.transactions,
    );
    busGauge(
      'pickline_bus_timeouts',
      'DEPRECATED, use pickline_bus_timeouts_total: transactions without an answer since the bus started',
      (b) => b.counters.timeouts,
    );
    busGauge(
      'pickline_bus_errors',
      'DEPRECATED, use pickline_bus_errors_total: CRC errors and exception answers since the bus started',
      (b) => b.counters.crcErrors + b.counters.exceptions,
    );
    busGauge('pickline_bus_queue_depth', 'Commands waiting for the bus', (b) => b.queueDepth);
    busGauge('pickline_bus_modules_online', 'Modules answering on the bus', (b) => b.online);
    busGauge('pickline_bus_modules', 'Modules configured on the bus', (b) => b.modules);
    const mismatches = new Map<string, number>();
    new Counter({
      name: 'pickline_bus_capability_mismatches_total',
      help: "Modules that announced capabilities short of their zone's colours (buses whose modules announce them: MQTT)",
      labelNames: ['bus'],
      registers,
      collect() {
        for (const b of src.buses()) {
          if (b.capabilityMismatches === undefined) continue;
          const before = mismatches.get(b.id) ?? 0;
          // a bus counts from its start: a smaller figure is a new start
          const n = b.capabilityMismatches;
          this.inc({ bus: b.id }, n >= before ? n - before : n);
          mismatches.set(b.id, n);
        }
      },
    });
    this.#busLatency = new Histogram({
      name: 'pickline_bus_latency_seconds',
      help: 'Answer time of bus transactions (sum is an upper bound: each answer counts at its bucket bound)',
      labelNames: ['bus'],
      buckets: LATENCY_BOUNDS_MS.map((ms) => ms / 1000),
      registers,
    });
    new Gauge({
      name: 'pickline_webhook_backlog',
      help: 'Events not yet acknowledged by the webhook',
      labelNames: ['url'],
      registers,
      collect() {
        for (const w of src.webhooks()) this.set({ url: w.url }, w.pending ?? 0);
      },
    });
    this.webhookLatency = new Histogram({
      name: 'pickline_webhook_delivery_seconds',
      help: 'Time from an event to its 2xx acknowledgement by the webhook',
      labelNames: ['url'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.apiDuration = new Histogram({
      name: 'pickline_api_request_duration_seconds',
      help: 'API request durations by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    });
  }

  /** Subscribes to the outbox (line events). */
  start(): void {
    this.#unsubscribe ??= this.#src.outbox.onEvent((e) => {
      if (e.type === 'line.picked') this.#picks.inc({ outcome: 'picked' });
      else if (e.type === 'line.shorted') this.#picks.inc({ outcome: 'shorted' });
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** The registry as Prometheus text (exposition format 0.0.4). */
  async text(): Promise<string> {
    this.#moveBusLatency();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One API request answered (the API's onResponse hook). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.apiDuration.observe({ method, route, status: String(status) }, seconds);
  }

  #moveBusLatency(): void {
    for (const b of this.#src.buses()) {
      const seen = this.#seen.get(b.id) ?? {};
      for (const [bucket, n] of Object.entries(b.counters.latencyMs)) {
        // counters restart with the bus: then all of them are new
        const fresh = n >= (seen[bucket] ?? 0) ? n - (seen[bucket] ?? 0) : n;
        const at = bucket === '+Inf' ? OVER_LAST_BOUND_S : Number(bucket) / 1000;
        for (let i = 0; i < fresh; i++) this.#busLatency.observe({ bus: b.id }, at);
        seen[bucket] = n;
      }
      this.#seen.set(b.id, seen);
    }
  }
}
