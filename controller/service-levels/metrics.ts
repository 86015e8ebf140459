/**
 * Prometheus gauges of service levels and the exceptions desk (docs/kpis.md),
 * registered in the controller's registry beside the others (its own block,
 * read at scrape time).
 */
import { Gauge, type Registry } from 'prom-client';
import { EXCEPTION_KINDS, type ExceptionKind } from '../exceptions/schema.ts';

export function serviceLevelMetrics(
  registry: Registry,
  src: {
    risk: () => { atRisk: number; late: number };
    openExceptions: () => { kind: ExceptionKind; n: number }[];
  },
): void {
  const registers = [registry];
  new Gauge({
    name: 'pickline_orders_at_risk',
    help: 'Open orders projected to finish later than their due time minus the lead (CONTRACTS.md §7)',
    registers,
    collect() {
      this.set(src.risk().atRisk);
    },
  });
  new Gauge({
    name: 'pickline_orders_late',
    help: 'Open orders past their due time',
    registers,
    collect() {
      this.set(src.risk().late);
    },
  });
  new Gauge({
    name: 'pickline_exceptions_open',
    help: 'Exceptions open or acknowledged (not resolved), by kind',
    labelNames: ['kind'],
    registers,
    collect() {
      const counts = new Map(src.openExceptions().map((c) => [c.kind, c.n]));
      for (const kind of EXCEPTION_KINDS) this.set({ kind }, counts.get(kind) ?? 0);
    },
  });
}
