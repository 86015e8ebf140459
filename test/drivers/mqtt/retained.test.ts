/**
 * device-drivers/mqtt/retained.ts: the embedded broker's retained messages
 * by exact topic (issue 16 item 15). An exact filter is one lookup and tests
 * no other topic; wildcard filters match as MQTT 3.1.1 §4.7 says; an empty
 * retained payload removes the message (§3.3.1.3); and through aedes a
 * subscriber gets a module's retained status by exact topic or wildcard.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../device-drivers/common/logger.ts';
import { CONTROLLER_USER, EmbeddedBroker } from '../../../device-drivers/mqtt/broker.ts';
import {
  ExactRetained,
  type RetainedPacket,
  topicMatches,
} from '../../../device-drivers/mqtt/retained.ts';

const status = (id: string, online = true): RetainedPacket => ({
  cmd: 'publish',
  topic: `pickline/v1/modules/${id}/status`,
  payload: Buffer.from(JSON.stringify({ online })),
  qos: 1,
  retain: true,
});
const ids = Array.from({ length: 1000 }, (_, i) => `ptl-${i}`);

describe('retained messages by exact topic', () => {
  it('finds an exact topic without testing any other', () => {
    const r = new ExactRetained();
    for (const id of ids) r.store(status(id));
    expect(r.size).toBe(1000);
    const found = [...r.find(['pickline/v1/modules/ptl-507/status'])];
    expect(found.map((p) => p.topic)).toEqual(['pickline/v1/modules/ptl-507/status']);
    expect([...r.find(['pickline/v1/modules/ptl-507/set'])]).toEqual([]);
    expect(r.scanned).toBe(0);
  });

  it('keeps the last message of a topic, a copy of it, and forgets it on an empty payload', () => {
    const r = new ExactRetained();
    const first = status('ptl-1', true);
    r.store(first);
    first.topic = 'changed/after/store';
    r.store(status('ptl-1', false));
    expect(r.size).toBe(1);
    const [p] = [...r.find(['pickline/v1/modules/ptl-1/status'])];
    expect(JSON.parse(String(p.payload))).toEqual({ online: false });
    r.store({ ...status('ptl-1'), payload: Buffer.alloc(0) });
    expect(r.size).toBe(0);
    expect([...r.find(['pickline/v1/modules/ptl-1/status'])]).toEqual([]);
  });

  it('matches wildcard filters by testing every retained topic', () => {
    const r = new ExactRetained();
    for (const id of ids.slice(0, 10)) r.store(status(id));
    r.store({ ...status('x'), topic: '$SYS/broker/uptime' });
    expect([...r.find(['pickline/v1/modules/+/status'])]).toHaveLength(10);
    expect(r.scanned).toBe(11);
    expect([...r.find(['pickline/v1/#'])]).toHaveLength(10);
    expect([...r.find(['#'])]).toHaveLength(10); // not the $SYS topic
    expect([...r.find(['$SYS/#'])]).toHaveLength(1);
  });

  it('follows the MQTT filter rules', () => {
    const yes: [string, string][] = [
      ['a/b/c', 'a/b/c'],
      ['a/+/c', 'a/b/c'],
      ['a/#', 'a/b/c'],
      ['a/#', 'a'],
      ['+/+', 'a/'],
      ['#', 'a/b'],
    ];
    const no: [string, string][] = [
      ['a/b', 'a/b/c'],
      ['a/+', 'a/b/c'],
      ['a/+/c', 'a/b/d'],
      ['+', 'a/b'],
      ['+/x', '$SYS/x'],
      ['#', '$SYS/x'],
      ['a/b/c', 'a/b'],
    ];
    for (const [f, t] of yes) expect(topicMatches(f, t), `${f} ~ ${t}`).toBe(true);
    for (const [f, t] of no) expect(topicMatches(f, t), `${f} ~ ${t}`).toBe(false);
  });
});

describe('retained status through the embedded broker', () => {
  let broker: EmbeddedBroker | null = null;
  const clients: mqtt.MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    await broker?.stop();
    broker = null;
  });

  it('hands a subscriber the status a module retained, by exact topic and by wildcard', async () => {
    broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      modules: [{ id: 'ptl-1', secret: 'device-secret-of-ptl-1' }],
      scanners: [],
      log: silentLogger,
    });
    await broker.start();
    const connect = (o: mqtt.IClientOptions) => {
      const c = mqtt.connect(broker!.url, { protocolVersion: 4, reconnectPeriod: 0, ...o });
      clients.push(c);
      return new Promise<mqtt.MqttClient>((resolve) => c.once('connect', () => resolve(c)));
    };
    const mod = await connect({
      clientId: 'ptl-1',
      username: 'ptl-1',
      password: 'device-secret-of-ptl-1',
    });
    await mod.publishAsync('pickline/v1/modules/ptl-1/status', '{"online":true,"fw":"1.2"}', {
      qos: 1,
      retain: true,
    });
    expect(broker.retained?.size).toBe(1);
    const ctl = await connect({
      clientId: 'pickline-test-retained',
      username: CONTROLLER_USER,
      password: broker.controllerSecret,
    });
    for (const filter of ['pickline/v1/modules/ptl-1/status', 'pickline/v1/modules/+/status']) {
      const got = new Promise<[string, Buffer, mqtt.IPublishPacket]>((resolve) =>
        ctl.once('message', (...m) => resolve(m)),
      );
      await ctl.subscribeAsync(filter, { qos: 1 });
      const [topic, payload, packet] = await got;
      expect([topic, String(payload), packet.retain]).toEqual([
        'pickline/v1/modules/ptl-1/status',
        '{"online":true,"fw":"1.2"}',
        true,
      ]);
      await ctl.unsubscribeAsync(filter);
    }
  });
});
