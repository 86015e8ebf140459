/**
 * A wave over MQTT on the embedded broker (issue 9): a scanner's `scan`
 * lights the order's modules through the engine's scan command, presses on
 * `button` record the picks, duplicate / stale / malformed presses change
 * nothing, and every outbox event is published on `events/{type}` in seq order.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../../app/main.ts';
import { CONTROLLER_USER } from '../../../device-drivers/mqtt/broker.ts';
import { MqttFleet } from '../../../simulators/mqtt/index.ts';
import { tempDir } from '../../helpers/harness.ts';
import { until } from '../../kit/until.ts';
import { controller, MODULES, mqttSite, SCANNER, secretOf, wave } from './site.ts';

let tmp: ReturnType<typeof tempDir>;
let c: Controller;
let fleet: MqttFleet;
const events: { topic: string; seq: number; type: string }[] = [];
let sub: mqtt.MqttClient;

beforeAll(async () => {
  tmp = tempDir();
  c = controller(mqttSite(`${tmp.dir}/p.db`, { embedded: { host: '127.0.0.1', port: 0 } }));
  await c.start();
  const url = c.broker!.url;
  fleet = new MqttFleet({
    url,
    modules: MODULES.map((id) => ({ id, secret: secretOf(id) })),
    scanners: [{ id: SCANNER, secret: secretOf(SCANNER) }],
  });
  await fleet.start();
  sub = await mqtt.connectAsync(url, {
    username: CONTROLLER_USER,
    password: c.broker!.controllerSecret,
    clientId: 'test-events',
  });
  sub.on('message', (topic, p) => {
    const e = JSON.parse(p.toString());
    events.push({ topic, seq: e.seq, type: e.type });
  });
  await sub.subscribeAsync('pickline/v1/events/#', { qos: 1 });
});
afterAll(async () => {
  await sub?.endAsync(true);
  await fleet?.stop();
  await c?.stop();
  tmp?.remove();
});

describe('a wave over MQTT on the embedded broker', () => {
  it('scans, lights, records presses once, and publishes every event in seq order', async () => {
    await until(() => c.buses.get('mq')!.info().online === MODULES.length, 'modules online', 5000);
    c.waves.submit(wave('W-1', 'O-1', 'TOTE-1', ['Q-01', 'Q-02', 'Q-03']));
    await fleet.scan(SCANNER, 'TOTE-1');
    const m = (i: number) => fleet.module(MODULES[i]);
    await until(() => [0, 1, 2].every((i) => m(i).shown.mode === 'on'), 'three lit', 5000);
    expect(m(0).shown).toMatchObject({ display: 2 });
    expect(m(3).shown.mode).toBe('off');

    const mq = () => c.buses.get('mq')!.info().counters;
    const stale0 = mq().staleEvents;
    await m(0).publishRaw('button', '{not json');
    await m(0).publishRaw('button', JSON.stringify({ seq: m(0).shown.seq, key: 'jump' }));
    await m(0).pressStale('confirm');
    await until(() => mq().staleEvents === stale0 + 3, 'malformed and stale counted', 3000);
    expect(c.waves.getOrder('O-1').lines.map((l) => l.status)).toEqual(['lit', 'lit', 'lit']);

    await m(0).pressTwice('confirm');
    await m(1).press('confirm', 1);
    await m(2).press('short');
    await until(() => c.waves.get('W-1').status === 'completed', 'wave completed', 5000);
    const lines = c.waves.getOrder('O-1').lines.map((l) => [l.status, l.picked]);
    expect(lines).toEqual([
      ['picked', 2],
      ['short', 1],
      ['short', 0],
    ]);
    await until(() => [0, 1, 2].every((i) => m(i).shown.mode === 'off'), 'dark again', 5000);

    const last = c.outbox.lastSeq();
    await until(() => events.some((e) => e.seq === last), 'events published', 5000);
    // the subscriber joined after the start-up device events: from then on, no gap and no repeat
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: last - seqs[0] + 1 }, (_, i) => seqs[0] + i));
    expect(events.map((e) => e.type)).toContain('wave.accepted');
    expect(c.mqttEvents!.deliveredSeq).toBe(last);
    for (const e of events) expect(e.topic).toBe(`pickline/v1/events/${e.type}`);
    expect(events.filter((e) => e.type === 'line.picked')).toHaveLength(1);
  });
});
