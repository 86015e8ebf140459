import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../app/main.ts';
import { auth } from '../helpers/harness.ts';
import { type LiveController, type LiveSite, liveController, registers } from '../helpers/live.ts';
import { type PromFamily, parseProm, promParserAvailable } from '../helpers/prom-parse.ts';
import { until } from '../kit/until.ts';

let live: LiveController;
let site: LiveSite;
let c: Controller;
let base: string;
/** /metrics as parsed before the presses */
let early: PromFamily[] | null = null;

const scrape = async () =>
  (await fetch(`${base}/metrics`, { headers: auth('viewer') }).then((r) => r.text())) as string;

beforeAll(async () => {
  live = await liveController();
  ({ site, c } = live);
  base = live.url;
  const post = (path: string, role: 'wms' | 'operator', body: unknown) =>
    fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { ...auth(role), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const wave = {
    waveId: 'OW-1',
    orders: [
      {
        orderId: 'OO-1',
        container: 'TOTE-9',
        lines: [
          { lineId: 'OL-1', sku: 'MUG', location: 'A-01-01', quantity: 2 },
          { lineId: 'OL-2', sku: 'PEN', location: 'A-01-02', quantity: 1 },
        ],
      },
    ],
  };
  expect((await post('/waves', 'wms', wave)).status).toBe(201);
  const scan = await post('/zones/A/scan', 'operator', { code: 'TOTE-9', picker: 'jdoe' });
  expect(scan.status, await scan.clone().text()).toBe(200);
  await until(() => registers(site, 'A-01-01')[0] === 1, 'A-01-01 lit', 5000);
  if (promParserAvailable()) early = parseProm(await scrape());
  site.floor.module('A-01-01').press('confirm');
  site.floor.module('A-01-02').press('short');
  await until(() => c.waves.get('OW-1').status === 'completed', 'wave completed', 10_000);
  await c.webhooks.drained(10_000);
});
afterAll(async () => {
  await live?.stop();
});

const sample = (fams: PromFamily[], name: string, labels: Record<string, string> = {}) =>
  fams
    .flatMap((f) => f.samples)
    .find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;

describe.skipIf(!promParserAvailable())('GET /metrics', () => {
  it('needs a token and answers Prometheus text format', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const r = await fetch(`${base}/metrics`, { headers: auth('viewer') });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const fams = parseProm(text);
    // the parser names a counter's family without `_total`: look types up by sample name
    const typeOf = (sampleName: string) =>
      fams.find((f) => f.samples.some((s) => s.name === sampleName))?.type;
    const expected: Record<string, string> = {
      pickline_lines_closed_total: 'counter',
      pickline_key_presses_total: 'counter',
      pickline_bus_transactions_total: 'counter',
      pickline_bus_timeouts_total: 'counter',
      pickline_bus_errors_total: 'counter',
      pickline_lit_modules: 'gauge',
      pickline_bus_latency_seconds_count: 'histogram',
      pickline_webhook_backlog: 'gauge',
      pickline_webhook_delivery_seconds_count: 'histogram',
      pickline_api_request_duration_seconds_count: 'histogram',
      // deprecated for one release (docs/kpis.md)
      pickline_key_presses: 'gauge',
      pickline_bus_transactions: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(typeOf(name), name).toBe(type);
    // every sample named `_total` is a counter's, on the TYPE lines as served
    const totals = fams.flatMap((f) => f.samples).filter((s) => s.name.endsWith('_total'));
    expect(totals.length).toBeGreaterThanOrEqual(9);
    for (const s of totals) {
      expect(typeOf(s.name), s.name).toBe('counter');
      expect(text).toContain(`# TYPE ${s.name} counter`);
    }
  });

  it('moves the counters up with the picks, never down', async () => {
    expect(early).not.toBeNull();
    const late = parseProm(await scrape());
    const up = (name: string, labels: Record<string, string>) => [
      sample(early!, name, labels) as number,
      sample(late, name, labels) as number,
    ];
    const [closedBefore, closedAfter] = up('pickline_lines_closed_total', { outcome: 'picked' });
    expect([closedBefore, closedAfter]).toEqual([0, 1]);
    const [pressesBefore, pressesAfter] = up('pickline_key_presses_total', { kind: 'all' });
    expect(pressesAfter - pressesBefore).toBeGreaterThanOrEqual(2);
    const [txBefore, txAfter] = up('pickline_bus_transactions_total', { bus: 'bus-a' });
    expect(txBefore).toBeGreaterThan(0);
    expect(txAfter).toBeGreaterThan(txBefore);
    // the deprecated gauge tells the same running total
    expect(sample(late, 'pickline_bus_transactions', { bus: 'bus-a' })).toBeGreaterThanOrEqual(
      txAfter,
    );
  });

  it('counts the picks, the short, the bus traffic, the webhook deliveries and the API requests', async () => {
    const fams = parseProm(
      await (await fetch(`${base}/metrics`, { headers: auth('viewer') })).text(),
    );
    expect(sample(fams, 'pickline_lines_closed_total', { outcome: 'picked' })).toBe(1);
    expect(sample(fams, 'pickline_lines_closed_total', { outcome: 'shorted' })).toBe(1);
    expect(sample(fams, 'pickline_lit_modules')).toBe(0);
    const tx = sample(fams, 'pickline_bus_transactions_total', { bus: 'bus-a' }) as number;
    expect(tx).toBeGreaterThan(0);
    const answered = sample(fams, 'pickline_bus_latency_seconds_count', { bus: 'bus-a' }) as number;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(tx);
    expect(sample(fams, 'pickline_bus_latency_seconds_bucket', { bus: 'bus-a', le: '+Inf' })).toBe(
      answered,
    );
    const url = c.webhooks.status()[0].url;
    expect(sample(fams, 'pickline_webhook_backlog', { url })).toBe(0);
    // wave.accepted, line.picked, line.shorted, order.completed, wave.completed at least
    expect(sample(fams, 'pickline_webhook_delivery_seconds_count', { url })).toBeGreaterThanOrEqual(
      5,
    );
    expect(
      sample(fams, 'pickline_api_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/zones/:zoneId/scan',
        status: '200',
      }),
    ).toBe(1);
  });
});

describe('GET /api/v1/kpis after real picks', () => {
  it('counts the picks, the short and the zone visit of the scan', async () => {
    const r = await fetch(`${base}/api/v1/kpis`, { headers: auth('viewer') });
    expect(r.status).toBe(200);
    const k = (await r.json()) as any;
    expect(k.picks).toMatchObject({ picks: 2, units: 2, shorts: 1, corrections: 0 });
    expect(k.pickers).toMatchObject([{ picker: 'jdoe', picks: 2 }]);
    expect(k.zones).toMatchObject([{ zone: 'A', picks: 2 }]);
    expect(k.orders).toMatchObject({ completed: 1, perfect: 0, perfectRate: 0 });
    expect(k.zoneVisits).toMatchObject([{ zone: 'A', count: 1 }]);
    expect(k.zoneVisits[0].avgSeconds).toBeGreaterThanOrEqual(0);
  });
});
