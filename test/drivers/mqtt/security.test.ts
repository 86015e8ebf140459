/**
 * Per-device security of the embedded broker (issue 9, CONTRACTS.md §2):
 * anonymous and wrong-secret logins are refused; a module publishes only its
 * own ack/button/status and subscribes only to its own set; only the
 * controller publishes set and events; a scanner publishes only its own scan.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../config/secret.ts';
import { silentLogger } from '../../../device-drivers/common/logger.ts';
import { CONTROLLER_USER, EmbeddedBroker } from '../../../device-drivers/mqtt/broker.ts';
import { until } from '../../kit/until.ts';

let broker: EmbeddedBroker;
let controller: MqttClient;
const seen: { topic: string; payload: string }[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = new EmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    modules: [
      { id: 'mod-a', secret: 'secret-of-a' },
      { id: 'mod-b', secretHash: hashSecret('secret-of-b') },
    ],
    scanners: [{ id: 'scan-1', secret: 'secret-of-scan-1' }],
    log: silentLogger,
  });
  await broker.start();
  controller = await mqtt.connectAsync(broker.url, {
    username: CONTROLLER_USER,
    password: broker.controllerSecret,
    clientId: 'ctl',
  });
  controller.on('message', (topic, p) => seen.push({ topic, payload: p.toString() }));
  await controller.subscribeAsync('pickline/v1/#', { qos: 1 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
});
afterAll(async () => {
  await controller?.endAsync(true);
  await broker?.stop();
});

/** Connects; resolves with the client or rejects with the broker's refusal. */
async function as(username: string | undefined, password: string | undefined): Promise<MqttClient> {
  const c = mqtt.connect(broker.url, {
    username,
    password,
    // the embedded broker takes a device's own id as its client id only
    clientId: username ?? `anon-${clients.length}`,
    reconnectPeriod: 0,
  });
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Publishes a marker from a trusted device afterwards, so "nothing arrived" is judged after the broker handled the first. */
async function settle(): Promise<void> {
  const b = await as('mod-b', 'secret-of-b');
  const mark = `mark-${Date.now()}-${Math.random()}`;
  await b.publishAsync('pickline/v1/modules/mod-b/status', JSON.stringify({ online: true, mark }), {
    qos: 1,
  });
  await until(() => seen.some((s) => s.payload.includes(mark)), 'marker', 3000);
}

describe('embedded broker security', () => {
  it('refuses anonymous clients and wrong secrets', async () => {
    const before = broker.refused.logins;
    await expect(as(undefined, undefined)).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    await expect(as('mod-a', 'wrong-secret')).rejects.toThrow(/Bad username or password/i);
    await expect(as('mod-b', 'secret-of-a')).rejects.toThrow(/Bad username or password/i);
    await expect(as(CONTROLLER_USER, 'guess')).rejects.toThrow(/Bad username or password/i);
    expect(broker.refused.logins).toBe(before + 4);
    // the right secrets log in, hashed (mod-b) or plain (mod-a) in the config
    await as('mod-a', 'secret-of-a');
    await as('mod-b', 'secret-of-b');
    // a cached login does not let another secret in
    await expect(as('mod-a', 'secret-of-b')).rejects.toThrow(/Bad username or password/i);
    expect(broker.refused.logins).toBe(before + 5);
  });

  it('lets module A publish only its own topics, never as B, never set or events', async () => {
    const before = broker.refused.publishes;
    for (const t of [
      'pickline/v1/modules/mod-b/button',
      'pickline/v1/modules/mod-b/ack',
      'pickline/v1/modules/mod-b/status',
      'pickline/v1/modules/mod-a/set',
      'pickline/v1/modules/mod-b/set',
      'pickline/v1/events/line.picked',
      'pickline/v1/scanners/scan-1/scan',
    ]) {
      // a refused publish closes the connection: one login per attempt
      const c = await as('mod-a', 'secret-of-a');
      const closed = new Promise((r) => c.stream.once('close', r));
      c.publish(t, JSON.stringify({ seq: 1, key: 'confirm', forged: true }), { qos: 0 });
      await closed;
    }
    const a = await as('mod-a', 'secret-of-a');
    await a.publishAsync(
      'pickline/v1/modules/mod-a/button',
      JSON.stringify({ seq: 1, key: 'confirm' }),
      { qos: 1 },
    );
    await settle();
    expect(seen.filter((s) => s.payload.includes('forged'))).toEqual([]);
    expect(seen.some((s) => s.topic === 'pickline/v1/modules/mod-a/button')).toBe(true);
    expect(broker.refused.publishes).toBe(before + 7);
  });

  it("refuses module A a subscription to B's set and to anything but its own set", async () => {
    const a = await as('mod-a', 'secret-of-a');
    const got: string[] = [];
    a.on('message', (t) => got.push(t));
    // mqtt.js rejects a SUBACK with a failure code; its packet carries the grants
    const denied = (await a
      .subscribeAsync(
        [
          'pickline/v1/modules/mod-b/set',
          'pickline/v1/modules/+/set',
          'pickline/v1/#',
          'pickline/v1/events/#',
        ],
        { qos: 1 },
      )
      .catch((e) => e)) as { packet?: { granted: number[] } };
    expect(denied.packet?.granted).toEqual([128, 128, 128, 128]);
    const own = await a.subscribeAsync('pickline/v1/modules/mod-a/set', { qos: 1 });
    expect(own[0].qos).toBe(1);
    await controller.publishAsync('pickline/v1/modules/mod-b/set', '{"seq":1,"mode":"on"}', {
      qos: 1,
    });
    await controller.publishAsync('pickline/v1/events/wave.accepted', '{"seq":1}', { qos: 1 });
    await controller.publishAsync('pickline/v1/modules/mod-a/set', '{"seq":2,"mode":"on"}', {
      qos: 1,
    });
    await until(() => got.length > 0, 'own set delivered', 3000);
    expect(got).toEqual(['pickline/v1/modules/mod-a/set']);
  });

  it('lets a scanner publish only its own scan', async () => {
    const c2 = await as('scan-1', 'secret-of-scan-1');
    const closed = new Promise((r) => c2.stream.once('close', r));
    c2.publish('pickline/v1/modules/mod-a/button', '{"seq":1,"key":"confirm","forged":true}', {
      qos: 0,
    });
    await closed;
    const s = await as('scan-1', 'secret-of-scan-1');
    await s.publishAsync('pickline/v1/scanners/scan-1/scan', '{"code":"TOTE-1"}', { qos: 1 });
    await settle();
    expect(seen.filter((x) => x.payload.includes('forged'))).toEqual([]);
    expect(seen.some((x) => x.topic === 'pickline/v1/scanners/scan-1/scan')).toBe(true);
  });
});
