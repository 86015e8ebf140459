/**
 * The embedded broker under hostile clients (issue 16 items 5, 6, 13):
 * - client ids: a device connects only with its own id as client id; ids of
 *   the controller's form (`pickline-…`) are refused even with the right secret;
 * - memory: a raw CONNECT declaring 256 MB is closed at its header, before
 *   the filler is buffered; after login a packet over `maxPacketBytes` closes
 *   the connection; a module may retain only its own status of ≤ 4 KiB;
 * - consumers (`mqtt.consumers`): may subscribe to `events/#` only and
 *   publish nothing.
 */
import { connect as tcpConnect } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../device-drivers/common/logger.ts';
import { CONTROLLER_USER, EmbeddedBroker } from '../../../device-drivers/mqtt/broker.ts';
import { PacketGuard } from '../../../device-drivers/mqtt/packet-guard.ts';
import { until } from '../../kit/until.ts';

const MAX = 8192;
let broker: EmbeddedBroker;
let controller: MqttClient;
const seen: { topic: string; payload: string; retain: boolean }[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = new EmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    modules: [{ id: 'mod-a', secret: 'secret-of-a' }],
    scanners: [],
    consumers: [{ id: 'wms-feed', secret: 'secret-of-wms-feed' }],
    maxPacketBytes: MAX,
    log: silentLogger,
  });
  await broker.start();
  controller = await mqtt.connectAsync(broker.url, {
    username: CONTROLLER_USER,
    password: broker.controllerSecret,
    clientId: 'pickline-T-mq',
  });
  controller.on('message', (topic, p, packet) =>
    seen.push({ topic, payload: p.toString(), retain: packet.retain }),
  );
  await controller.subscribeAsync('pickline/v1/#', { qos: 1 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
});
afterAll(async () => {
  await controller?.endAsync(true);
  await broker?.stop();
});

function login(username: string, password: string, clientId = username): Promise<MqttClient> {
  const c = mqtt.connect(broker.url, { username, password, clientId, reconnectPeriod: 0 });
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

const closedOf = (c: MqttClient) => new Promise<void>((r) => c.stream.once('close', () => r()));

/** A marker from mod-a, so "nothing else arrived" is judged after the broker handled what came before. */
async function settle(): Promise<void> {
  const a = await login('mod-a', 'secret-of-a');
  const mark = `mark-${Math.random()}`;
  await a.publishAsync('pickline/v1/modules/mod-a/ack', JSON.stringify({ seq: 1, mark }), {
    qos: 1,
  });
  await until(() => seen.some((s) => s.payload.includes(mark)), 'marker', 3000);
  await a.endAsync(true);
}

describe('client ids on the embedded broker', () => {
  it("refuses a device whose client id is not its username, the controller's above all", async () => {
    const before = broker.refused.logins;
    for (const id of ['pickline-T-mq', 'pickline-mod-a', 'mod-b', 'sim-mod-a'])
      await expect(login('mod-a', 'secret-of-a', id)).rejects.toThrow(/Identifier rejected/i);
    expect(broker.refused.logins).toBe(before + 4);
    // the controller's connection was never taken over
    expect(controller.connected).toBe(true);
    await controller.publishAsync('pickline/v1/events/probe', '{"probe":1}', { qos: 1 });
    await until(() => seen.some((s) => s.payload === '{"probe":1}'), 'controller still up', 3000);
    // with its own id it logs in
    await login('mod-a', 'secret-of-a');
  });
});

describe('broker memory limits', () => {
  it('closes a raw CONNECT declaring 256 MB at its header, before buffering the filler', async () => {
    const before = broker.refused.oversized;
    const sock = tcpConnect(broker.address.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let closed = false;
    sock.on('error', () => {});
    sock.once('close', () => {
      closed = true;
    });
    // CONNECT, remaining length 268,435,455 (0xff 0xff 0xff 0x7f), then 64 KiB of filler at a time
    sock.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    const filler = Buffer.alloc(65536, 0x41);
    let sent = 0;
    while (!closed && sent < 64 * 1048576) {
      if (!sock.write(filler))
        await Promise.race([
          new Promise((r) => sock.once('drain', r)),
          new Promise((r) => sock.once('close', r)),
        ]);
      sent += filler.length;
    }
    await until(() => closed, 'connection closed by the broker', 3000);
    // the kernel buffers take a few MB at most; the 64 MB were never accepted
    expect(sent).toBeLessThan(16 * 1048576);
    expect(broker.refused.oversized).toBe(before + 1);
  });

  it('closes a logged-in module sending a packet over maxPacketBytes; nothing is delivered', async () => {
    const a = await login('mod-a', 'secret-of-a');
    const closed = closedOf(a);
    a.publish('pickline/v1/modules/mod-a/button', `{"big":"${'x'.repeat(MAX)}"}`, { qos: 0 });
    await closed;
    await settle();
    expect(seen.some((s) => s.payload.includes('"big"'))).toBe(false);
  });

  it('lets a module retain only its own status of at most 4 KiB', async () => {
    const a = await login('mod-a', 'secret-of-a');
    await a.publishAsync('pickline/v1/modules/mod-a/status', '{"online":true,"ok":1}', {
      qos: 1,
      retain: true,
    });
    for (const [topic, payload] of [
      ['pickline/v1/modules/mod-a/status', `{"online":true,"pad":"${'p'.repeat(4200)}"}`],
      ['pickline/v1/modules/mod-a/button', '{"seq":1,"key":"confirm","kept":1}'],
      ['pickline/v1/modules/mod-a/ack', '{"seq":1,"kept":2}'],
    ]) {
      const c = await login('mod-a', 'secret-of-a');
      const closed = closedOf(c);
      c.publish(topic, payload, { qos: 0, retain: true });
      await closed;
    }
    await settle();
    // a fresh subscriber gets only the small status
    const retained: string[] = [];
    const fresh = await login(CONTROLLER_USER, broker.controllerSecret, 'pickline-T-fresh');
    fresh.on('message', (_t, p, packet) => {
      if (packet.retain) retained.push(p.toString());
    });
    await fresh.subscribeAsync('pickline/v1/modules/mod-a/#', { qos: 1 });
    await until(() => retained.length > 0, 'retained status', 3000);
    await new Promise((r) => setTimeout(r, 200));
    expect(retained).toEqual(['{"online":true,"ok":1}']);
  });

  it('counts packet framing across chunks and refuses a fifth length byte', () => {
    const why: string[] = [];
    const g = new PacketGuard((w) => why.push(w));
    // CONNECT of 300 bytes in pieces, then a PINGREQ
    expect(g.feed(Buffer.from([0x10, 0xac]))).toBe(true);
    expect(g.feed(Buffer.from([0x02, ...Buffer.alloc(299)]))).toBe(true);
    expect(g.feed(Buffer.from([0x00, 0xc0, 0x00]))).toBe(true);
    g.authenticated(1000);
    expect(g.feed(Buffer.from([0x30, 0xe8, 0x07, ...Buffer.alloc(1000)]))).toBe(true);
    expect(g.feed(Buffer.from([0x30, 0xe9, 0x07]))).toBe(false);
    expect(why).toEqual(['packet of 1001+ bytes over the limit of 1000']);
    const g2 = new PacketGuard(() => {});
    g2.authenticated(Number.MAX_SAFE_INTEGER);
    expect(g2.feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBe(false);
    expect(g2.violation).toBe('malformed remaining length');
  });
});

describe('event consumers (mqtt.consumers)', () => {
  it('subscribe to events only and publish nothing', async () => {
    const feed = await login('wms-feed', 'secret-of-wms-feed');
    const got: string[] = [];
    feed.on('message', (t) => got.push(t));
    const denied = (await feed
      .subscribeAsync(['pickline/v1/modules/+/button', 'pickline/v1/#', '#'], { qos: 1 })
      .catch((e) => e)) as { packet?: { granted: number[] } };
    expect(denied.packet?.granted).toEqual([128, 128, 128]);
    const ok = await feed.subscribeAsync('pickline/v1/events/#', { qos: 1 });
    expect(ok[0].qos).toBe(1);
    await controller.publishAsync('pickline/v1/modules/mod-a/set', '{"seq":1,"mode":"on"}', {
      qos: 1,
    });
    await controller.publishAsync('pickline/v1/events/line.picked', '{"seq":7}', { qos: 1 });
    await until(() => got.length > 0, 'event delivered', 3000);
    expect(got).toEqual(['pickline/v1/events/line.picked']);
    const closed = closedOf(feed);
    feed.publish('pickline/v1/events/line.picked', '{"forged":true}', { qos: 0 });
    await closed;
    await settle();
    expect(seen.some((s) => s.payload.includes('forged'))).toBe(false);
  });
});
