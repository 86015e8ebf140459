/**
 * Message-bus faults (docs/CONTRACTS.md §6 "Faults") against real brokers:
 * failover between the nodes of `urls`, a broker down at start, a channel
 * closed by the broker (publish to a deleted exchange), a refused login.
 * The controller keeps serving through all of them; events are never lost.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Controller } from '../../app/main.ts';
import { loadConfig } from '../../config/load.ts';
import { auth, tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';
import { type RabbitNode, rabbitAvailable, startRabbit } from '../helpers/rabbitmq.ts';
import { until } from '../kit/until.ts';
import { pika, pikaAvailable } from '../peers/pika.ts';

const available = rabbitAvailable() && pikaAvailable();

let n1: RabbitNode;
let n2: RabbitNode;
let site: LiveSite;
let tmp: ReturnType<typeof tempDir>;
const controllers: Controller[] = [];

function controller(siteName: string, amqp: Record<string, unknown>, logs?: string[]): Controller {
  const raw = parse(readFileSync(site.configFile, 'utf8'));
  raw.site = siteName;
  raw.storage.path = `${tmp.dir}/${siteName}.db`;
  raw.webhooks = [];
  raw.amqp = amqp;
  const file = `${tmp.dir}/${siteName}.yaml`;
  writeFileSync(file, stringify(raw));
  const logger = logs
    ? pino({ level: 'info' }, { write: (s: string) => void logs.push(s) })
    : pino({ level: 'silent' });
  const c = new Controller(loadConfig(file, {}), { logger });
  controllers.push(c);
  return c;
}

const readyz = async (c: Controller) => {
  const r = await fetch(`http://127.0.0.1:${c.address.port}/readyz`);
  const j = (await r.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
  return { status: r.status, amqp: j.checks.find((x) => x.name === 'amqp') };
};

const postWave = (c: Controller, waveId: string) =>
  fetch(`http://127.0.0.1:${c.address.port}/api/v1/waves`, {
    method: 'POST',
    headers: { ...auth('wms'), 'content-type': 'application/json' },
    body: JSON.stringify({
      waveId,
      orders: [
        {
          orderId: `${waveId}-O`,
          lines: [{ lineId: `${waveId}-L`, sku: 'MUG', location: 'A-01-01', quantity: 1 }],
        },
      ],
    }),
  });

describe.skipIf(!available)('message-bus faults', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    tmp = tempDir();
    [n1, n2, site] = await Promise.all([startRabbit('n1'), startRabbit('n2'), liveSite(tmp.dir)]);
  }, 300_000);
  afterAll(async () => {
    for (const c of controllers) await c.stop();
    await site?.stop();
    await Promise.all([n1?.close(), n2?.close()]);
    tmp?.remove();
  }, 120_000);

  it('fails over to the next node of urls and resumes there', async () => {
    const c = controller('FAILOVER', { urls: [n1.url, n2.url] });
    await c.start();
    await until(() => c.messageBus?.status().consuming === true, 'consuming', 30_000);
    expect(c.messageBus?.status().node).toContain(`:${n1.port}`);
    await n1.stop();
    await until(
      () => c.messageBus?.status().node?.includes(`:${n2.port}`) === true,
      'on node 2',
      60_000,
    );
    await until(() => c.messageBus?.status().consuming === true, 'consuming on node 2', 30_000);
    // node 2 has the topology: a command published there is applied
    await pika.publish(
      n2.url,
      'pickline.commands',
      'wave.cancel.FAILOVER',
      JSON.stringify({ waveId: 'NOPE' }),
      'f-1',
    );
    await until(
      () =>
        c.outbox
          .read(0, 1000)
          .some((e) => e.type === 'wave.rejected' && e.data.messageId === 'f-1'),
      'command applied from node 2',
      20_000,
    );
    await until(() => c.messageBus?.relay.delivered === c.outbox.lastSeq(), 'relayed', 20_000);
    await c.stop();
  }, 180_000);

  it('starts with the broker down, is not ready for amqp, connects when it comes up', async () => {
    const logs: string[] = [];
    const c = controller('LATE', { url: n1.url }, logs); // n1 is stopped
    await c.start();
    expect((await postWave(c, 'LATE-1')).status).toBe(201); // the floor does not wait for the bus
    const before = await readyz(c);
    expect(before.status).toBe(503);
    expect(before.amqp?.ok).toBe(false);
    await n1.start();
    await until(() => c.messageBus?.status().consuming === true, 'connected after start', 90_000);
    expect((await readyz(c)).status).toBe(200);
    await until(() => c.messageBus?.relay.delivered === c.outbox.lastSeq(), 'relayed', 20_000);
    expect(logs.some((l) => l.includes('amqp broker not reachable'))).toBe(true);
    await c.stop();
  }, 180_000);

  it('reconnects and re-declares when the broker closes the publish channel', async () => {
    const c = controller('CHANNEL', { url: n2.url });
    await c.start();
    await until(() => c.messageBus?.status().consuming === true, 'consuming', 30_000);
    const connects = c.messageBus?.status().connects ?? 0;
    await pika.deleteExchange(n2.url, 'pickline.events'); // the next publish gets 404 NOT_FOUND
    expect((await postWave(c, 'CH-1')).status).toBe(201);
    await until(
      () => (c.messageBus?.status().connects ?? 0) > connects,
      'reconnected after the channel error',
      60_000,
    );
    await until(() => c.messageBus?.relay.delivered === c.outbox.lastSeq(), 'relayed', 30_000);
    // nobody is bound to the re-declared exchange: the alternate exchange kept the event
    const kept = await pika.drain(n2.url, 'pickline.CHANNEL.events.unrouted', 100, 2);
    expect(kept.some((m) => m.routingKey === 'CHANNEL.wave.accepted')).toBe(true);
    await c.stop();
  }, 180_000);

  it('logs a refused login clearly and keeps the API serving', async () => {
    const logs: string[] = [];
    const bad = n2.url.replace('guest:guest', 'nobody:wrong');
    const c = controller('BADLOGIN', { url: bad }, logs);
    await c.start();
    await until(
      () => logs.some((l) => l.includes('login refused')),
      'login refused logged',
      30_000,
    );
    const line = logs.find((l) => l.includes('login refused')) ?? '';
    expect(line).toContain('"nobody"');
    expect(line).not.toContain('wrong'); // the password is never logged
    const r = await readyz(c);
    expect(r.status).toBe(503);
    expect(r.amqp?.detail).toMatch(/not connected/);
    await c.stop();
  }, 120_000);
});
