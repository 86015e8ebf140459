/**
 * Service-level KPIs (on-time rate, exceptions by kind and time to resolve) in
 * /api/v1/kpis and its CSV, and the Prometheus gauges of orders at risk / late
 * and open exceptions (docs/kpis.md, CONTRACTS.md §7).
 */
import { Registry } from 'prom-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { computeKpis, kpisToCsv } from '../../controller/kpi/kpis.ts';
import { serviceLevelMetrics } from '../../controller/service-levels/metrics.ts';
import { tempDir } from '../helpers/harness.ts';
import { type SlaHarness, slaHarness, zoneAWave } from '../helpers/sla.ts';

let tmp: ReturnType<typeof tempDir>;
let h: SlaHarness;
beforeEach(async () => {
  tmp = tempDir();
  h = await slaHarness(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await h.close();
  tmp.remove();
});

it('counts orders completed by their due time and exceptions by kind with time to resolve', async () => {
  const soon = new Date(Date.now() + 3_600_000).toISOString();
  const past = new Date(Date.now() - 60_000).toISOString();
  h.waves.submit(zoneAWave('W-K', 3, 1, { dueAt: soon }));
  h.waves.submit(zoneAWave('W-N', 1, 1)); // no due time: not in the rate
  h.sla.patchOrder('W-K-O3', { dueAt: past });
  await h.settle();
  await h.engine.picking.close('W-K-O1-L1', { operator: null, via: 'api' });
  await h.engine.picking.close('W-K-O2-L1', {
    operator: null,
    via: 'api',
    short: true,
    quantity: 0,
  });
  await h.engine.picking.close('W-K-O3-L1', { operator: null, via: 'api' });
  await h.engine.picking.close('W-N-O1-L1', { operator: null, via: 'api' });
  await h.settle();
  const [short] = h.desk.list({ kind: ['short'], limit: 1 });
  h.desk.resolve(short.exceptionId, 'sam', 'ok', new Date(Date.parse(short.openedAt) + 90_000));

  const w = {
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date(Date.now() + 3_600_000).toISOString(),
  };
  const k = computeKpis(h.store.db, w);
  expect(k.serviceLevels.onTime).toEqual({ completed: 4, withDue: 3, onTime: 2, rate: 0.667 });
  const byKind = Object.fromEntries(k.serviceLevels.exceptions.map((x) => [x.kind, x]));
  expect(byKind.short).toEqual({
    kind: 'short',
    opened: 1,
    resolved: 1,
    avgResolveSeconds: 90,
    maxResolveSeconds: 90,
  });
  // W-K-O3 was late, then completed: opened and resolved by system
  expect(byKind['order-late']).toMatchObject({ opened: 1, resolved: 1 });
  const csv = kpisToCsv(k);
  expect(csv).toContain('\r\non-time,,rate,0.667\r\n');
  expect(csv).toContain('\r\nexceptions,short,avgResolveSeconds,90\r\n');
});

it('exports gauges of orders at risk and late and of open exceptions by kind', async () => {
  h.waves.submit(
    zoneAWave('W-G', 12, 3, { dueAt: new Date(Date.now() + 10 * 60_000).toISOString() }),
  );
  h.waves.submit(zoneAWave('W-H', 1, 1, { dueAt: new Date(Date.now() - 60_000).toISOString() }));
  h.clock.now = Date.now();
  await h.settle();
  await h.sla.evaluate();
  const registry = new Registry();
  serviceLevelMetrics(registry, {
    risk: () => h.sla.counts(),
    openExceptions: () => h.desk.openCounts(),
  });
  const text = await registry.metrics();
  const value = (line: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(line))
        ?.split(' ')
        .pop(),
    );
  expect(value('pickline_orders_late ')).toBe(1);
  expect(value('pickline_orders_at_risk ')).toBe(h.sla.counts().atRisk);
  expect(h.sla.counts().atRisk).toBeGreaterThan(0);
  expect(value('pickline_exceptions_open{kind="order-late"}')).toBe(1);
  expect(value('pickline_exceptions_open{kind="order-at-risk"}')).toBe(h.sla.counts().atRisk);
  expect(value('pickline_exceptions_open{kind="short"}')).toBe(0);
});
