/**
 * `wave.update` / `order.update` by message (docs/CONTRACTS.md §6 "Commands
 * in", §7): the PATCH body plus the id, applied by the same service as REST;
 * refusals become `wave.rejected` and change nothing. No broker needed: the
 * consumer's side is in consumer.test.ts, the broker round trip in
 * message-bus.test.ts (which needs python3-pika).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { WaveCommands } from '../../controller/message-bus/commands.ts';
import { tableCounts, tempDir } from '../helpers/harness.ts';
import { type SlaHarness, slaHarness, zoneAWave } from '../helpers/sla.ts';

let tmp: ReturnType<typeof tempDir>;
let h: SlaHarness;
let commands: WaveCommands;
beforeEach(async () => {
  tmp = tempDir();
  h = await slaHarness(`${tmp.dir}/pl.db`);
  commands = new WaveCommands({ waves: h.waves, store: h.store, outbox: h.outbox, updates: h.sla });
  h.waves.submit(zoneAWave('W-M', 2, 1, { dueAt: '2030-01-01T08:00:00Z' }));
});
afterEach(async () => {
  await h.close();
  tmp.remove();
});

it('applies wave.update and order.update with the messageId in their events', () => {
  const body = { waveId: 'W-M', dueAt: '2030-01-01T12:00:00+02:00', priority: 3 };
  expect(commands.apply('wave.update', body, 'm-1')).toBe('updated');
  expect(h.events('wave.updated')[0].data).toEqual({
    waveId: 'W-M',
    dueAt: '2030-01-01T10:00:00.000Z',
    priority: 3,
    messageId: 'm-1',
  });
  expect(commands.apply('order.update', { orderId: 'W-M-O2', priority: 9 }, 'm-2')).toBe('updated');
  expect(h.events('order.updated')[0].data).toMatchObject({
    orderId: 'W-M-O2',
    priority: 9,
    messageId: 'm-2',
  });
  expect(h.waves.getOrder('W-M-O2')).toMatchObject({
    priority: 9,
    dueAt: '2030-01-01T10:00:00.000Z',
  });
  expect(h.waves.getOrder('W-M-O1').priority).toBe(3);
});

it('answers refusals with wave.rejected, opens command-rejected exceptions, changes nothing else', async () => {
  h.waves.cancel('W-M');
  const counts = tableCounts(h.store);
  const cases: [Parameters<WaveCommands['apply']>[0], unknown, string][] = [
    ['wave.update', { waveId: 'W-M', priority: 1 }, 'WAVE_CLOSED'],
    ['order.update', { orderId: 'W-M-O1', priority: 1 }, 'ORDER_CLOSED'],
    ['order.update', { orderId: 'NOPE', priority: 1 }, 'ORDER_NOT_FOUND'],
    ['wave.update', { dueAt: '2030-01-01T10:00:00Z' }, 'INVALID_REQUEST'],
    ['wave.update', { waveId: 'W-M', dueAt: 'soon' }, 'INVALID_REQUEST'],
    ['order.update', [1], 'INVALID_REQUEST'],
  ];
  cases.forEach(([kind, body], i) => {
    expect(commands.apply(kind, body, `r-${i}`)).toBe('rejected');
  });
  expect(
    h.events('wave.rejected').map((e) => [e.data.messageId, e.data.command, e.data.code]),
  ).toEqual(cases.map(([kind, , code], i) => [`r-${i}`, kind, code]));
  expect(h.events('wave.rejected')[1].data.orderId).toBe('W-M-O1');
  const after = tableCounts(h.store);
  expect({ ...after, events: after.events - cases.length }).toEqual(counts);
  // each refusal is on the exceptions desk for people to look at
  await h.settle();
  const desk = h.desk.list({ kind: ['command-rejected'], limit: 10 }).reverse();
  expect(desk.map((x) => [x.subject, x.message.split(': ')[1]])).toEqual([
    [{ waveId: 'W-M' }, 'WAVE_CLOSED wave W-M is cancelled'],
    [{ orderId: 'W-M-O1' }, 'ORDER_CLOSED order W-M-O1 is cancelled'],
    [{ orderId: 'NOPE' }, 'ORDER_NOT_FOUND no order NOPE'],
    [{}, expect.stringContaining('INVALID_REQUEST')],
    [{ waveId: 'W-M' }, expect.stringContaining('INVALID_REQUEST')],
    [{}, expect.stringContaining('INVALID_REQUEST')],
  ]);
});
