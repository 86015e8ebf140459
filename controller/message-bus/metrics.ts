/**
 * Prometheus metrics of the message bus (docs/kpis.md), registered in the
 * controller's registry when the site has an `amqp` section.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConsumerOutcome } from './consumer.ts';
import type { MessageBusStatus } from './message-bus.ts';

export interface AmqpMetrics {
  command(outcome: ConsumerOutcome, kind: string): void;
}

export function amqpMetrics(registry: Registry, status: () => MessageBusStatus): AmqpMetrics {
  const registers = [registry];
  new Gauge({
    name: 'pickline_amqp_connected',
    help: '1 while the controller is connected to the message broker and consuming its commands',
    registers,
    collect() {
      const s = status();
      this.set(s.connected && s.consuming ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pickline_amqp_relay_lag_events',
    help: 'Events in the outbox not yet confirmed by the message broker',
    registers,
    collect() {
      this.set(status().relay.pending ?? 0);
    },
  });
  let confirmedSeen = 0;
  new Counter({
    name: 'pickline_amqp_events_confirmed_total',
    help: 'Events the message broker confirmed since start',
    registers,
    collect() {
      // a counter only moves forward: add what was confirmed since the last scrape
      const n = status().relay.confirmed;
      if (n > confirmedSeen) this.inc(n - confirmedSeen);
      confirmedSeen = n;
    },
  });
  const commands = new Counter({
    name: 'pickline_amqp_commands_total',
    help: 'Commands taken from the message bus since start, by kind and outcome (accepted, duplicate, cancelled, rejected, dead-lettered)',
    labelNames: ['kind', 'outcome'],
    registers,
  });
  return {
    command(outcome, kind) {
      commands.inc({ kind, outcome });
    },
  };
}
