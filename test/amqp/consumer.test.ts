/**
 * The commands consumer's ack rules (docs/CONTRACTS.md §6) on a fake channel:
 * ack after the command applied, dead-letter (reject without requeue) junk and
 * unknown keys, retry store failures in-process (never requeue), and give up
 * on an error that is not transient after three tries.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { WaveCommands } from '../../controller/message-bus/commands.ts';
import { CommandConsumer, type ConsumerOutcome } from '../../controller/message-bus/consumer.ts';
import { PicklineError } from '../../kernel/errors.ts';

function fakeChannel() {
  let onMessage: ((m: ConsumeMessage | null) => void) | null = null;
  const acked: number[] = [];
  const rejected: { tag: number; requeue: boolean | undefined }[] = [];
  const ch = {
    prefetch: async () => ({}),
    consume: async (_q: string, cb: (m: ConsumeMessage | null) => void) => {
      onMessage = cb;
      return { consumerTag: 't' };
    },
    ack: (m: ConsumeMessage) => acked.push(m.fields.deliveryTag),
    reject: (m: ConsumeMessage, requeue?: boolean) =>
      rejected.push({ tag: m.fields.deliveryTag, requeue }),
    close: async () => {},
  } as unknown as Channel;
  let tag = 0;
  const deliver = (routingKey: string, body: string) => {
    tag += 1;
    onMessage?.({
      content: Buffer.from(body),
      fields: { deliveryTag: tag, routingKey, redelivered: false, exchange: 'x', consumerTag: 't' },
      properties: { messageId: `m-${tag}`, headers: {} },
    } as unknown as ConsumeMessage);
  };
  return { ch, acked, rejected, deliver };
}

function consumer(apply: WaveCommands['apply']) {
  const outcomes: ConsumerOutcome[] = [];
  const c = new CommandConsumer({
    site: 'S1',
    queue: 'pickline.S1.commands',
    commands: { apply } as WaveCommands,
    logger: pino({ level: 'silent' }),
    onOutcome: (o) => outcomes.push(o),
    stopped: () => false,
    retryBaseMs: 1,
  });
  return { c, outcomes };
}

describe('commands consumer', () => {
  it('acks applied commands and dead-letters junk and unknown routing keys', async () => {
    const f = fakeChannel();
    const seen: string[] = [];
    const { c, outcomes } = consumer((kind) => {
      seen.push(kind);
      return 'accepted';
    });
    await c.start(f.ch);
    f.deliver('wave.create.S1', '{"waveId":"W"}');
    f.deliver('wave.create.S1', 'not json');
    f.deliver('wave.create.OTHER', '{}');
    f.deliver('wave.burn.S1', '{}');
    await c.idle();
    expect(seen).toEqual(['wave.create']);
    expect(f.acked).toEqual([1]);
    expect(f.rejected).toEqual([
      { tag: 2, requeue: false },
      { tag: 3, requeue: false },
      { tag: 4, requeue: false },
    ]);
    expect(outcomes).toEqual(['accepted', 'dead-lettered', 'dead-lettered', 'dead-lettered']);
  });

  it('retries a busy store in-process and acks once it applied', async () => {
    const f = fakeChannel();
    let calls = 0;
    const { c } = consumer(() => {
      calls += 1;
      if (calls < 4) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return 'accepted';
    });
    await c.start(f.ch);
    f.deliver('wave.create.S1', '{}');
    await c.idle();
    expect(calls).toBe(4);
    expect(f.acked).toEqual([1]);
    expect(f.rejected).toEqual([]);
  });

  it('dead-letters after three tries an error that is not transient (a constraint)', async () => {
    const f = fakeChannel();
    let calls = 0;
    const { c, outcomes } = consumer(() => {
      calls += 1;
      throw new PicklineError(
        'STORE_FAILURE',
        'FOREIGN KEY constraint failed',
        [],
        Object.assign(new Error('FOREIGN KEY constraint failed'), {
          code: 'SQLITE_CONSTRAINT_FOREIGNKEY',
        }),
      );
    });
    await c.start(f.ch);
    f.deliver('wave.create.S1', '{}');
    await c.idle();
    expect(calls).toBe(3);
    expect(f.rejected).toEqual([{ tag: 1, requeue: false }]);
    expect(outcomes).toEqual(['dead-lettered']);
  });
});
