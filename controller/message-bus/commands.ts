/**
 * Commands that came by message (docs/CONTRACTS.md §6 "Commands in" and "Ack
 * rules"; updates of due times and priorities §7), applied exactly as the REST API applies them: the same
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

export type CommandOutcome = 'accepted' | 'duplicate' | 'cancelled' | 'updated' | 'rejected';

/** The PATCH of due times and priorities (CONTRACTS.md §7), the same service as REST. */
export interface WaveUpdates {
  patchWave(waveId: string, body: unknown, meta: { messageId?: string | null }): void;
  patchOrder(orderId: string, body: unknown, meta: { messageId?: string | null }): void;
}

const CancelBody = T.Object(
  { waveId: T.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const checkCancel = makeAjv().compile<Static<typeof CancelBody>>(CancelBody);

export interface WaveCommandDeps {
  waves: WaveService;
  store: Store;
  outbox: Outbox;
  updates?: WaveUpdates;
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
      case 'order.update': {
        // the PATCH body plus the id (CONTRACTS.md §6 "Commands in", §7)
        const updates = this.#d.updates;
        if (!updates)
          throw new PicklineError('UNSUPPORTED', `${kind} is not supported by this controller`);
        const key = kind === 'wave.update' ? 'waveId' : 'orderId';
        if (!body || typeof body !== 'object' || Array.isArray(body))
          throw new PicklineError('INVALID_REQUEST', `${kind} body must be a JSON object`, [
            { path: '/', message: 'must be an object' },
          ]);
        const { [key]: id, ...patch } = body as Record<string, unknown>;
        if (typeof id !== 'string' || id.length < 1 || id.length > 64)
          throw new PicklineError('INVALID_REQUEST', `${kind} body must name its ${key}`, [
            { path: `/${key}`, message: 'must be a string of 1-64 characters' },
          ]);
        if (kind === 'wave.update') updates.patchWave(id, patch, { messageId });
        else updates.patchOrder(id, patch, { messageId });
        return 'updated';
      }
    }
  }

  #reject(
    kind: CommandKind,
    body: unknown,
    messageId: string | null,
    e: PicklineError,
  ): CommandOutcome {
    const idOf = (k: 'waveId' | 'orderId') =>
      body && typeof body === 'object' && typeof (body as Record<string, unknown>)[k] === 'string'
        ? ((body as Record<string, unknown>)[k] as string).slice(0, 64)
        : undefined;
    const waveId = idOf('waveId');
    const orderId = kind === 'order.update' ? idOf('orderId') : undefined;
    this.#d.store.tx(() => {
      this.#d.outbox.append('wave.rejected', {
        ...(waveId === undefined ? {} : { waveId }),
        ...(orderId === undefined ? {} : { orderId }),
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
