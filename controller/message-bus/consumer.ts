/**
 * The consumer of `pickline.<site>.commands` (docs/CONTRACTS.md §6 "Ack
 * rules"): prefetch 1, so commands apply one at a time in queue order.
 *
 * - applied, duplicate or rejected (a `wave.rejected` event was committed):
 *   ack, after the SQLite commit;
 * - a body that is not JSON, or a routing key that names no known command for
 *   this site: reject without requeue → the dead-letter queue; counted, logged;
 * - a transient failure (the store busy or failing): retried here with
 *   backoff, never by a requeue (each requeue counts against the quorum
 *   queue's delivery limit). An error that is not a store failure is tried
 *   three times, then dead-lettered with the error logged, so one bad message
 *   cannot stop the site's commands forever.
 *
 * While the controller stops, the message in hand is neither acked nor
 * rejected: the broker gives it again to the next consumer.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { PicklineError } from '../../kernel/errors.ts';
import type { CommandOutcome, WaveCommands } from './commands.ts';
import { commandKind } from './topology.ts';

export type ConsumerOutcome = CommandOutcome | 'dead-lettered';

export interface ConsumerOptions {
  site: string;
  queue: string;
  commands: WaveCommands;
  logger: Logger;
  onOutcome: (outcome: ConsumerOutcome, kind: string) => void;
  stopped: () => boolean;
  retryBaseMs?: number;
}

const MAX_OTHER_ATTEMPTS = 3;

export class CommandConsumer {
  readonly #o: ConsumerOptions;
  #busy: Promise<void> = Promise.resolve();

  constructor(o: ConsumerOptions) {
    this.#o = o;
  }

  /** Starts consuming on `ch`; resolves once the broker registered the consumer. */
  async start(ch: Channel): Promise<void> {
    await ch.prefetch(1);
    await ch.consume(
      this.#o.queue,
      (msg) => {
        if (msg === null) {
          // cancelled by the broker (queue deleted): a new session re-declares it
          this.#o.logger.warn({ queue: this.#o.queue }, 'amqp consumer cancelled by the broker');
          ch.close().catch(() => {});
          return;
        }
        this.#busy = this.#busy.then(() => this.#handle(ch, msg));
      },
      { noAck: false },
    );
  }

  /** Resolves when the message in hand (if any) is handled. */
  idle(): Promise<void> {
    return this.#busy;
  }

  async #handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const o = this.#o;
    const key = msg.fields.routingKey;
    const messageId =
      typeof msg.properties.messageId === 'string' ? msg.properties.messageId : null;
    const log = { routingKey: key, messageId, deliveryTag: msg.fields.deliveryTag };
    const kind = commandKind(key, o.site);
    if (kind === null) return this.#dead(ch, msg, key, log, 'unknown routing key');
    let body: unknown;
    try {
      body = JSON.parse(msg.content.toString('utf8'));
    } catch {
      return this.#dead(ch, msg, kind, log, 'body is not JSON');
    }
    let attempts = 0;
    let other = 0;
    while (!o.stopped()) {
      try {
        const outcome = o.commands.apply(kind, body, messageId);
        safe(() => ch.ack(msg));
        o.onOutcome(outcome, kind);
        if (outcome === 'rejected')
          o.logger.warn(log, `amqp ${kind} rejected (wave.rejected sent)`);
        else o.logger.info({ ...log, outcome }, `amqp ${kind}`);
        return;
      } catch (e) {
        attempts += 1;
        const transient = isStoreFailure(e);
        if (!transient) other += 1;
        if (other >= MAX_OTHER_ATTEMPTS) {
          o.logger.error(
            { ...log, err: (e as Error).message },
            'amqp command failed; dead-lettered',
          );
          return this.#dead(ch, msg, kind, log, `failed: ${(e as Error).message}`);
        }
        const delay = Math.min(5000, (o.retryBaseMs ?? 100) * 2 ** (attempts - 1));
        if ((attempts & (attempts - 1)) === 0)
          o.logger.warn({ ...log, attempts, err: (e as Error).message }, 'amqp command retried');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  #dead(
    ch: Channel,
    msg: ConsumeMessage,
    kind: string,
    log: Record<string, unknown>,
    why: string,
  ): void {
    safe(() => ch.reject(msg, false));
    this.#o.onOutcome('dead-lettered', kind);
    this.#o.logger.warn({ ...log, why }, 'amqp message dead-lettered');
  }
}

/** Failures that pass by themselves: the store busy, locked, failing to write, or closed meanwhile. */
const TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|PROTOCOL|CANTOPEN)/;

function isStoreFailure(e: unknown): boolean {
  if (e instanceof PicklineError) {
    if (e.code !== 'STORE_FAILURE') return false;
    const cause = (e.cause as { code?: unknown } | undefined)?.code;
    return typeof cause !== 'string' || TRANSIENT.test(cause);
  }
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && TRANSIENT.test(code);
}

/** ack/reject on a channel that closed meanwhile throws; the broker redelivers then. */
function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // channel closed: the message is redelivered to the next consumer
  }
}
