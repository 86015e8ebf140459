/**
 * The broker objects a controller declares at every connect (docs/CONTRACTS.md
 * §6), as data. Declaring is idempotent only while every controller on the
 * broker declares exactly the same names, types and arguments (RabbitMQ closes
 * the channel with 406 PRECONDITION_FAILED on any difference), so this is the
 * one place they are spelled.
 */
import type { Channel } from 'amqplib';

export const COMMANDS_EXCHANGE = 'pickline.commands';
export const DEAD_LETTER_EXCHANGE = 'pickline.dlx';
export const EVENTS_EXCHANGE = 'pickline.events';
export const UNROUTED_EXCHANGE = 'pickline.events.unrouted';

/** The command kinds a routing key `<kind>.<site>` may name (§6). */
export const COMMAND_KINDS = ['wave.create', 'wave.cancel', 'wave.update', 'order.update'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

export interface Topology {
  exchanges: { name: string; type: 'topic' | 'direct'; arguments: Record<string, unknown> }[];
  queues: { name: string; arguments: Record<string, unknown> }[];
  bindings: { queue: string; exchange: string; key: string }[];
  /** the queue this controller consumes */
  commandsQueue: string;
  deadQueue: string;
  unroutedQueue: string;
}

export function topology(site: string, deliveryLimit: number): Topology {
  const commandsQueue = `pickline.${site}.commands`;
  const deadQueue = `pickline.${site}.commands.dead`;
  const unroutedQueue = `pickline.${site}.events.unrouted`;
  return {
    exchanges: [
      { name: COMMANDS_EXCHANGE, type: 'topic', arguments: {} },
      { name: DEAD_LETTER_EXCHANGE, type: 'direct', arguments: {} },
      { name: UNROUTED_EXCHANGE, type: 'topic', arguments: {} },
      {
        name: EVENTS_EXCHANGE,
        type: 'topic',
        arguments: { 'alternate-exchange': UNROUTED_EXCHANGE },
      },
    ],
    queues: [
      {
        name: commandsQueue,
        arguments: {
          'x-queue-type': 'quorum',
          'x-single-active-consumer': true,
          'x-delivery-limit': deliveryLimit,
          'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
          'x-dead-letter-routing-key': site,
          'x-dead-letter-strategy': 'at-least-once',
          'x-overflow': 'reject-publish',
        },
      },
      { name: deadQueue, arguments: {} },
      { name: unroutedQueue, arguments: {} },
    ],
    bindings: [
      { queue: commandsQueue, exchange: COMMANDS_EXCHANGE, key: `#.${site}` },
      { queue: deadQueue, exchange: DEAD_LETTER_EXCHANGE, key: site },
      { queue: unroutedQueue, exchange: UNROUTED_EXCHANGE, key: `${site}.#` },
    ],
    commandsQueue,
    deadQueue,
    unroutedQueue,
  };
}

/** Declares everything durable; rejects (and the broker closes the channel) on a mismatch. */
export async function declare(ch: Channel, t: Topology): Promise<void> {
  for (const x of t.exchanges)
    await ch.assertExchange(x.name, x.type, { durable: true, arguments: x.arguments });
  for (const q of t.queues) await ch.assertQueue(q.name, { durable: true, arguments: q.arguments });
  for (const b of t.bindings) await ch.bindQueue(b.queue, b.exchange, b.key);
}

/** `wave.create.DC-1` → `wave.create` for site DC-1; null when the key is not a known kind for it. */
export function commandKind(routingKey: string, site: string): CommandKind | null {
  const suffix = `.${site}`;
  if (!routingKey.endsWith(suffix)) return null;
  const kind = routingKey.slice(0, -suffix.length);
  return (COMMAND_KINDS as readonly string[]).includes(kind) ? (kind as CommandKind) : null;
}
