/**
 * The message bus against a real broker (docs/CONTRACTS.md §6): a private
 * Debian rabbitmq-server node, the WMS side played by python3-pika (not
 * Pickline's code), the controller on the simulated Modbus floor.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Controller } from '../../app/main.ts';
import { loadConfig } from '../../config/load.ts';
import { auth, TOKENS, tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';
import { type RabbitNode, rabbitAvailable, startRabbit } from '../helpers/rabbitmq.ts';
import { until } from '../kit/until.ts';
import { type PeerMessage, pika, pikaAvailable } from '../peers/pika.ts';

const available = rabbitAvailable() && pikaAvailable();

let rabbit: RabbitNode;
let site: LiveSite;
let tmp: ReturnType<typeof tempDir>;
const controllers: Controller[] = [];

/** A controller of `siteName` on the live floor, with the message bus on `urls`. */
async function controller(siteName: string, urls: string[]): Promise<Controller> {
  const raw = parse(readFileSync(site.configFile, 'utf8'));
  raw.site = siteName;
  raw.storage.path = `${tmp.dir}/${siteName}.db`;
  raw.webhooks = [];
  raw.amqp = urls.length === 1 ? { url: urls[0] } : { urls };
  const file = `${tmp.dir}/${siteName}.yaml`;
  writeFileSync(file, stringify(raw));
  const c = new Controller(loadConfig(file, {}), { logger: pino({ level: 'silent' }) });
  controllers.push(c);
  await c.start();
  return c;
}

const wave = (waveId: string, orderId: string, location = 'A-01-01', extra = {}) => ({
  waveId,
  orders: [
    {
      orderId,
      container: `T-${orderId}`,
      lines: [{ lineId: `${orderId}-1`, sku: 'MUG', location, quantity: 2, ...extra }],
    },
  ],
});

const events = (c: Controller, type: string) =>
  c.outbox.read(0, 100_000).filter((e) => e.type === type);

const body = (m: PeerMessage) => JSON.parse(m.body) as Record<string, any>;

/** Everything the WMS queue `wms.sitea` received so far, in arrival order. */
const received: PeerMessage[] = [];

/** Drains `wms.sitea` until `enough(received)` holds. */
async function receive(enough: (ms: PeerMessage[]) => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!enough(received)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    received.push(...(await pika.drain(rabbit.url, 'wms.sitea', 10_000, 0.5)));
  }
}

const ofType = (type: string) => received.filter((m) => m.routingKey === `SITEA.${type}`);

describe.skipIf(!available)('message bus on a real RabbitMQ node', { timeout: 120_000 }, () => {
  let a: Controller;
  beforeAll(async () => {
    tmp = tempDir();
    [rabbit, site] = await Promise.all([startRabbit('bus'), liveSite(tmp.dir)]);
    a = await controller('SITEA', [rabbit.url]);
    await until(() => a.messageBus?.status().consuming === true, 'consuming', 30_000);
    // the WMS binds its own queue for the site's events before any command
    await pika.bind(rabbit.url, 'wms.sitea', 'pickline.events', 'SITEA.#');
  }, 240_000);
  afterAll(async () => {
    for (const c of controllers) await c.stop();
    await site?.stop();
    await rabbit?.close();
    tmp?.remove();
  }, 120_000);

  it('declares the topology of §6 exactly', () => {
    const queues = rabbit.ctl(
      'list_queues',
      'name',
      'type',
      'durable',
      'arguments',
      '--no-table-headers',
    );
    const line = (name: string) => queues.split('\n').find((l) => l.startsWith(`${name}\t`)) ?? '';
    const commands = line('pickline.SITEA.commands');
    expect(commands).toContain('quorum');
    for (const arg of [
      '{"x-dead-letter-exchange","pickline.dlx"}',
      '{"x-dead-letter-routing-key","SITEA"}',
      '{"x-dead-letter-strategy","at-least-once"}',
      '{"x-delivery-limit",5}',
      '{"x-overflow","reject-publish"}',
      '{"x-single-active-consumer",true}',
    ])
      expect(commands.replace(/\s/g, '')).toContain(arg.replace(/\s/g, ''));
    expect(line('pickline.SITEA.commands.dead')).toMatch(/classic\s+true/);
    expect(line('pickline.SITEA.events.unrouted')).toMatch(/classic\s+true/);
    const exchanges = rabbit.ctl(
      'list_exchanges',
      'name',
      'type',
      'durable',
      'arguments',
      '--no-table-headers',
    );
    expect(exchanges).toMatch(/pickline\.commands\ttopic\ttrue/);
    expect(exchanges).toMatch(/pickline\.dlx\tdirect\ttrue/);
    expect(exchanges).toMatch(/pickline\.events\.unrouted\ttopic\ttrue/);
    expect(exchanges).toMatch(
      /pickline\.events\ttopic\ttrue\t.*alternate-exchange.*pickline\.events\.unrouted/,
    );
    const bindings = rabbit.ctl(
      'list_bindings',
      'source_name',
      'destination_name',
      'routing_key',
      '--no-table-headers',
    );
    expect(bindings).toMatch(/pickline\.commands\tpickline\.SITEA\.commands\t#\.SITEA/);
    expect(bindings).toMatch(/pickline\.dlx\tpickline\.SITEA\.commands\.dead\tSITEA/);
  });

  it('creates a wave by message, once, and echoes the messageId', async () => {
    const w = JSON.stringify(wave('MW-1', 'MO-1'));
    await pika.publish(rabbit.url, 'pickline.commands', 'wave.create.SITEA', w, 'msg-1');
    await until(
      () => events(a, 'wave.accepted').some((e) => e.data.waveId === 'MW-1'),
      'accepted',
      15_000,
    );
    expect(a.waves.get('MW-1').status).toBe('accepted');
    // an identical re-delivery (the sender retried) stores nothing new
    await pika.publish(rabbit.url, 'pickline.commands', 'wave.create.SITEA', w, 'msg-1-again');
    await until(
      () => (a.messageBus?.status().commands.duplicate ?? 0) >= 1,
      'duplicate handled',
      15_000,
    );
    const accepted = events(a, 'wave.accepted').filter((e) => e.data.waveId === 'MW-1');
    expect(accepted).toHaveLength(1);
    expect(accepted[0].data.messageId).toBe('msg-1');
    await receive(() => ofType('wave.accepted').length >= 1, 'wave.accepted');
    expect(ofType('wave.accepted')).toHaveLength(1);
    const m = ofType('wave.accepted')[0];
    expect(m.messageId).toBe(accepted[0].eventId);
    expect(m.contentType).toBe('application/json');
    expect(m.deliveryMode).toBe(2);
    expect(m.headers['x-pickline-seq']).toBe(accepted[0].seq);
    expect(m.headers['x-pickline-site']).toBe('SITEA');
    expect(body(m)).toMatchObject({
      type: 'wave.accepted',
      data: { waveId: 'MW-1', messageId: 'msg-1' },
    });
  });

  it('turns a business rejection into wave.rejected and stores nothing', async () => {
    const before = a.outbox.lastSeq();
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.create.SITEA',
      JSON.stringify(wave('MW-BAD', 'MO-BAD', 'NO-SUCH-BIN')),
      'msg-bad',
    );
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.create.SITEA',
      JSON.stringify(wave('MW-BAD2', 'MO-BAD2', 'A-01-01', { colour: 'red' })),
      'msg-bad2',
    );
    await until(() => events(a, 'wave.rejected').length >= 2, 'rejected', 15_000);
    const [r1, r2] = events(a, 'wave.rejected').filter((e) => e.seq > before);
    expect(r1.data).toMatchObject({
      waveId: 'MW-BAD',
      messageId: 'msg-bad',
      code: 'UNKNOWN_LOCATION',
    });
    expect(r2.data).toMatchObject({
      waveId: 'MW-BAD2',
      messageId: 'msg-bad2',
      code: 'INVALID_WAVE',
    });
    expect((r2.data.details as { path: string }[]).some((d) => d.path.includes('colour'))).toBe(
      true,
    );
    expect(() => a.waves.get('MW-BAD')).toThrow(/no wave/);
    expect(() => a.waves.get('MW-BAD2')).toThrow(/no wave/);
    await receive(() => ofType('wave.rejected').length >= 2, 'wave.rejected');
    expect(ofType('wave.rejected').map((m) => body(m).data.messageId)).toEqual([
      'msg-bad',
      'msg-bad2',
    ]);
  });

  it('dead-letters junk and unknown routing keys, and keeps consuming', async () => {
    await pika.publish(rabbit.url, 'pickline.commands', 'wave.create.SITEA', '{not json', 'junk-1');
    await pika.publish(rabbit.url, 'pickline.commands', 'wave.explode.SITEA', '{}', 'junk-2');
    await until(
      () => (a.messageBus?.status().commands['dead-lettered'] ?? 0) >= 2,
      'dead-lettered',
      15_000,
    );
    await until(
      async () => (await pika.count(rabbit.url, 'pickline.SITEA.commands.dead')) === 2,
      'in the dead-letter queue',
      15_000,
      100,
    );
    const dead = await pika.drain(rabbit.url, 'pickline.SITEA.commands.dead', 2);
    expect(dead.map((m) => m.messageId).sort()).toEqual(['junk-1', 'junk-2']);
    const metrics = await (
      await fetch(`http://127.0.0.1:${a.address.port}/metrics`, { headers: auth('viewer') })
    ).text();
    expect(metrics).toMatch(
      /pickline_amqp_commands_total\{kind="wave.create",outcome="dead-lettered"\} 1/,
    );
    expect(metrics).toMatch(/pickline_amqp_connected 1/);
    // the technician CLI shows the relay state
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['bin/pickline.js', 'events', 'relays'],
        {
          env: {
            ...process.env,
            PICKLINE_URL: `http://127.0.0.1:${a.address.port}`,
            PICKLINE_TOKEN: TOKENS.technician,
          },
          timeout: 60_000,
        },
        (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
      ),
    );
    expect(out).toMatch(/message bus: connected to amqp:\/\/guest:\*\*\*@127\.0\.0\.1/);
    expect(out).toMatch(/"dead-lettered":2/);
  });

  it('cancels a wave by message with the messageId in wave.cancelled', async () => {
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.cancel.SITEA',
      JSON.stringify({ waveId: 'MW-1' }),
      'cancel-1',
    );
    await until(() => events(a, 'wave.cancelled').length === 1, 'cancelled', 15_000);
    expect(events(a, 'wave.cancelled')[0].data).toMatchObject({
      waveId: 'MW-1',
      messageId: 'cancel-1',
    });
    expect(a.waves.get('MW-1').status).toBe('cancelled');
    await receive(() => ofType('wave.cancelled').length === 1, 'wave.cancelled');
  });

  it('updates due times and priorities by message (wave.update, order.update; CONTRACTS.md §7)', async () => {
    a.waves.submit(wave('MW-U', 'MO-U'));
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.update.SITEA',
      JSON.stringify({ waveId: 'MW-U', dueAt: '2030-01-01T12:00:00+02:00', priority: 3 }),
      'update-1',
    );
    await until(() => events(a, 'wave.updated').length === 1, 'wave.updated', 15_000);
    expect(events(a, 'wave.updated')[0].data).toMatchObject({
      waveId: 'MW-U',
      dueAt: '2030-01-01T10:00:00.000Z',
      priority: 3,
      messageId: 'update-1',
    });
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'order.update.SITEA',
      JSON.stringify({ orderId: 'MO-U', priority: 7 }),
      'update-2',
    );
    await until(() => events(a, 'order.updated').length === 1, 'order.updated', 15_000);
    expect(a.waves.getOrder('MO-U')).toMatchObject({
      priority: 7,
      dueAt: '2030-01-01T10:00:00.000Z',
    });
    // the same refusals as PATCH, as wave.rejected: a closed wave, a bad date
    const rejected = events(a, 'wave.rejected').length;
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.update.SITEA',
      JSON.stringify({ waveId: 'MW-1', priority: 1 }),
      'update-3',
    );
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'order.update.SITEA',
      JSON.stringify({ orderId: 'MO-U', dueAt: 'soon' }),
      'update-4',
    );
    await until(() => events(a, 'wave.rejected').length === rejected + 2, 'rejections', 15_000);
    expect(
      events(a, 'wave.rejected')
        .slice(rejected)
        .map((e) => [e.data.messageId, e.data.command, e.data.code]),
    ).toEqual([
      ['update-3', 'wave.update', 'WAVE_CLOSED'],
      ['update-4', 'order.update', 'INVALID_REQUEST'],
    ]);
    expect(a.waves.getOrder('MO-U').dueAt).toBe('2030-01-01T10:00:00.000Z');
  });

  it('keeps every event through a broker restart while picks go on (no gap)', async () => {
    const orders = ['R1', 'R2', 'R3'].map((o, i) => ({
      orderId: `RO-${o}`,
      container: `T-R-${o}`,
      lines: [{ lineId: `RL-${o}`, sku: 'MUG', location: `A-01-0${i + 2}`, quantity: 1 }],
    }));
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.create.SITEA',
      JSON.stringify({ waveId: 'RW', orders }),
      'rw',
    );
    await until(
      () => events(a, 'wave.accepted').some((e) => e.data.waveId === 'RW'),
      'RW accepted',
      15_000,
    );
    const from = a.outbox.lastSeq();
    await rabbit.stop();
    await until(() => a.messageBus?.status().connected === false, 'disconnected', 30_000);
    const ready = await fetch(`http://127.0.0.1:${a.address.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(
      ((await ready.json()) as { checks: { name: string; ok: boolean }[] }).checks,
    ).toContainEqual(expect.objectContaining({ name: 'amqp', ok: false }));
    // the floor does not wait for the bus
    for (const o of orders) {
      const r = await fetch(`http://127.0.0.1:${a.address.port}/api/v1/zones/A/scan`, {
        method: 'POST',
        headers: { ...auth('operator'), 'content-type': 'application/json' },
        body: JSON.stringify({ code: o.container, picker: 'jdoe' }),
      });
      expect(r.status).toBe(200);
      site.floor.module(o.lines[0].location).press('confirm');
    }
    await until(() => a.waves.get('RW').status === 'completed', 'RW completed', 15_000);
    const last = a.outbox.lastSeq();
    expect(last - from).toBeGreaterThanOrEqual(4);
    await rabbit.start();
    await until(() => a.messageBus?.status().consuming === true, 'reconnected', 60_000);
    await until(() => a.messageBus?.relay.delivered === last, 'relay caught up', 30_000);
    const seqs = () => new Set(received.map((m) => Number(m.headers['x-pickline-seq'])));
    await receive(() => seqs().has(last), `seq ${last}`);
    for (let s = from + 1; s <= last; s++) expect(seqs().has(s), `seq ${s} delivered`).toBe(true);
    expect(received.filter((m) => m.routingKey === 'SITEA.line.picked')).toHaveLength(3);
  }, 180_000);

  it('gives two controllers on one broker only their own commands', async () => {
    const b = await controller('SITEB', [rabbit.url]);
    await until(() => b.messageBus?.status().consuming === true, 'B consuming', 30_000);
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.create.SITEB',
      JSON.stringify(wave('BW-1', 'BO-1')),
      'b-1',
    );
    await pika.publish(
      rabbit.url,
      'pickline.commands',
      'wave.create.SITEA',
      JSON.stringify(wave('AW-2', 'AO-2')),
      'a-2',
    );
    await until(() => events(b, 'wave.accepted').length === 1, 'B accepted', 15_000);
    await until(
      () => events(a, 'wave.accepted').some((e) => e.data.waveId === 'AW-2'),
      'A accepted',
      15_000,
    );
    expect(() => b.waves.get('AW-2')).toThrow(/no wave/);
    expect(() => a.waves.get('BW-1')).toThrow(/no wave/);
    // B's events carry its routing keys; nobody bound them: the unrouted queue keeps them
    await until(() => b.messageBus?.relay.delivered === b.outbox.lastSeq(), 'B relayed', 15_000);
    expect(await pika.count(rabbit.url, 'pickline.SITEB.events.unrouted')).toBeGreaterThanOrEqual(
      1,
    );
  }, 120_000);
});
