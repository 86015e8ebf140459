/**
 * Commands that came by message (docs/CONTRACTS.md §6 "Commands in" and "Ack
 * rules"), applied exactly as the REST API applies them: the same
 * validation, the same idempotency (an identical wave stored again is a
 * success with no new event), the same error codes. What this adds is the
 * answer a message needs: a business rejection (any 4xx the REST API would
 * give) becomes a `wave.rejected` event through the outbox, so the sender
 * learns it on the events exchange, and the message is acknowledged.
 *
 * Free of AMQP: the consumer (consumer.ts) decides ack / dead-letter / retry
 * from the outcome this returns or the error it throws.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { describeAjvError, makeAjv } from '../../config/validate.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Outbox } from '../events/outbox.ts';
import type { Store } from '../store/db.ts';
import type { WaveService } from '../waves/service.ts';
import type { CommandKind } from './topology.ts';

export type CommandOutcome = 'accepted' | 'duplicate' | 'cancelled' | 'rejected';

const CancelBody = T.Object(
  { waveId: T.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const checkCancel = makeAjv().compile<Static<typeof CancelBody>>(CancelBody);

export interface WaveCommandDeps {
  waves: WaveService;
  store: Store;
  outbox: Outbox;
}

export class WaveCommands {
  readonly #d: WaveCommandDeps;

  constructor(d: WaveCommandDeps) {
    this.#d = d;
  }

  /**
   * Applies one command. Business rejections are turned into `wave.rejected`
   * (outcome 'rejected'); anything else thrown (a store failure) is the
   * caller's to retry.
   */
  apply(kind: CommandKind, body: unknown, messageId: string | null): CommandOutcome {
    try {
      return this.#apply(kind, body, messageId);
    } catch (e) {
      if (e instanceof PicklineError && e.status >= 400 && e.status < 500 && e.status !== 408)
        return this.#reject(kind, body, messageId, e);
      if (e instanceof PicklineError && e.code === 'UNSUPPORTED')
        return this.#reject(kind, body, messageId, e);
      throw e;
    }
  }

  #apply(kind: CommandKind, body: unknown, messageId: string | null): CommandOutcome {
    const { waves } = this.#d;
    switch (kind) {
      case 'wave.create':
        return waves.submit(body, { messageId }).created ? 'accepted' : 'duplicate';
      case 'wave.cancel': {
        if (!checkCancel(body)) {
          throw new PicklineError(
            'INVALID_REQUEST',
            'wave.cancel body must be {"waveId": "<id>"}',
            (checkCancel.errors ?? []).map(describeAjvError),
          );
        }
        const before = waves.get(body.waveId).status;
        waves.cancel(body.waveId, { messageId });
        return before === 'cancelled' ? 'duplicate' : 'cancelled';
      }
      case 'wave.update':
      case 'order.update':
        // PATCH /waves and /orders (service levels, not in this release)
        throw new PicklineError(
          'UNSUPPORTED',
          `${kind} is not supported by this controller yet (it needs PATCH of due times, the service-levels release)`,
        );
    }
  }

  #reject(
    kind: CommandKind,
    body: unknown,
    messageId: string | null,
    e: PicklineError,
  ): CommandOutcome {
    const waveId =
      body && typeof body === 'object' && typeof (body as { waveId?: unknown }).waveId === 'string'
        ? (body as { waveId: string }).waveId.slice(0, 64)
        : undefined;
    this.#d.store.tx(() => {
      this.#d.outbox.append('wave.rejected', {
        ...(waveId === undefined ? {} : { waveId }),
        messageId,
        command: kind,
        code: e.code,
        message: e.message,
        details: (e.details ?? []).slice(0, 100),
      });
    });
    return 'rejected';
  }
}
