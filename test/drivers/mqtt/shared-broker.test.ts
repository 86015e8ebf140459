/**
 * Two controllers on one external broker (a real mosquitto with per-device
 * ACLs), and a broker outage mid-wave (issue 9 "Done when"): each controller
 * reacts only to its own modules and scanners; after mosquitto restarts, the
 * controller reconnects, lit modules are lit again, presses after the
 * restart are recorded, no pick is lost and no event is published twice
 * with a different seq.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../../app/main.ts';
import { MqttFleet } from '../../../simulators/mqtt/index.ts';
import { tempDir } from '../../helpers/harness.ts';
import { type Mosquitto, mosquittoAvailable, startMosquitto } from '../../helpers/mosquitto.ts';
import { until } from '../../kit/until.ts';
import { controller, mqttSite, secretOf, wave } from './site.ts';

const PW = 'controller-password';
const ONE = { modules: ['ptl-1', 'ptl-2', 'ptl-3', 'ptl-4'], scanner: 'scan-1' };
const TWO = { modules: ['ptl-11', 'ptl-12'], scanner: 'scan-2' };

describe.skipIf(!mosquittoAvailable())('two controllers on one mosquitto', () => {
  let tmp: ReturnType<typeof tempDir>;
  let mosq: Mosquitto;
  let c1: Controller;
  let c2: Controller;
  let f1: MqttFleet;
  let f2: MqttFleet;
  let watcher: MqttClient;
  /** eventId → every seq it was published with */
  const published = new Map<string, Set<number>>();

  const fleet = (d: typeof ONE) =>
    new MqttFleet({
      url: mosq.url,
      modules: d.modules.map((id) => ({ id, secret: secretOf(id) })),
      scanners: [{ id: d.scanner, secret: secretOf(d.scanner) }],
    });

  beforeAll(async () => {
    tmp = tempDir();
    const devices = [...ONE.modules, ONE.scanner, ...TWO.modules, TWO.scanner];
    mosq = await startMosquitto([
      { name: 'ctl-1', password: PW, controller: true },
      { name: 'ctl-2', password: PW, controller: true },
      { name: 'watcher', password: PW, controller: true },
      ...devices.map((id) => ({ name: id, password: secretOf(id) })),
    ]);
    const broker = (user: string, clientId: string) => ({
      url: mosq.url,
      username: user,
      password: PW,
      clientId,
    });
    c1 = controller(mqttSite(`${tmp.dir}/one.db`, broker('ctl-1', 'c1'), { site: 'DC-1', ...ONE }));
    c2 = controller(
      mqttSite(`${tmp.dir}/two.db`, broker('ctl-2', 'c2'), { site: 'DC-2', prefix: 'R', ...TWO }),
    );
    await c1.start();
    await c2.start();
    f1 = fleet(ONE);
    f2 = fleet(TWO);
    await f1.start();
    await f2.start();
    watcher = await mqtt.connectAsync(mosq.url, {
      username: 'watcher',
      password: PW,
      clientId: 'watcher',
      reconnectPeriod: 100,
    });
    watcher.on('message', (_t, p) => {
      const e = JSON.parse(p.toString());
      if (!published.has(e.eventId)) published.set(e.eventId, new Set());
      published.get(e.eventId)!.add(e.seq);
    });
    watcher.on('connect', () => watcher.subscribe('pickline/v1/events/#', { qos: 1 }));
    await watcher.subscribeAsync('pickline/v1/events/#', { qos: 1 });
  });
  afterAll(async () => {
    await watcher?.endAsync(true);
    await f1?.stop();
    await f2?.stop();
    await c1?.stop();
    await c2?.stop();
    await mosq?.close();
    tmp?.remove();
  });

  it('each controller lights and hears only its own modules and scanners', async () => {
    await until(() => c1.buses.get('mq')!.info().online === 4, 'c1 modules online', 5000);
    await until(() => c2.buses.get('mq')!.info().online === 2, 'c2 modules online', 5000);
    expect(
      c1.buses
        .get('mq')!
        .modules()
        .map((m) => m.address),
    ).toEqual(ONE.modules);
    c1.waves.submit(wave('W-1', 'O-1', 'TOTE-1', ['Q-01']));
    c2.waves.submit(wave('W-9', 'O-9', 'TOTE-1', ['RQ-01']));
    // scan-2 belongs to c2: c1 must not start its order from it
    await f2.scan('scan-2', 'TOTE-1');
    await until(() => f2.module('ptl-11').shown.mode === 'on', 'c2 lit', 5000);
    expect(f1.module('ptl-1').shown.mode).toBe('off');
    expect(c1.mqttScanners!.counters.scans).toBe(0);
    await f1.scan('scan-1', 'TOTE-1');
    await until(() => f1.module('ptl-1').shown.mode === 'on', 'c1 lit', 5000);
    await f1.module('ptl-1').press('confirm');
    await until(() => c1.waves.get('W-1').status === 'completed', 'c1 wave done', 5000);
    expect(c2.waves.get('W-9').status).not.toBe('completed');
    expect(c2.buses.get('mq')!.info().counters.keyEvents).toBe(0);
    await f2.module('ptl-11').press('confirm');
    await until(() => c2.waves.get('W-9').status === 'completed', 'c2 wave done', 5000);
  });

  it('survives a broker restart mid-wave: re-lit, presses recorded, events once per seq', async () => {
    c1.waves.submit(wave('W-2', 'O-2', 'TOTE-2', ['Q-02', 'Q-03', 'Q-04']));
    await f1.scan('scan-1', 'TOTE-2');
    const m = (id: string) => f1.module(id);
    await until(
      () => ['ptl-2', 'ptl-3', 'ptl-4'].every((id) => m(id).shown.mode === 'on'),
      'lit',
      5000,
    );
    await m('ptl-2').press('confirm');
    await until(() => c1.waves.getOrder('O-2').lines[0].status === 'picked', 'first pick', 5000);
    const seqBefore = c1.outbox.lastSeq();

    await mosq.kill();
    // the modules lose what they showed (power blip with the broker)
    for (const id of ['ptl-3', 'ptl-4'])
      m(id).shown = { mode: 'off', color: null, display: null, seq: 0 };
    await until(() => !c1.buses.get('mq')!.info().open, 'c1 sees the broker gone', 5000);
    await mosq.start();

    await until(() => c1.buses.get('mq')!.info().open, 'c1 reconnected', 10000);
    await until(
      () => ['ptl-3', 'ptl-4'].every((id) => m(id).shown.mode === 'on'),
      'lit again',
      10000,
    );
    await m('ptl-3').press('confirm');
    await m('ptl-4').press('short');
    await until(() => c1.waves.get('W-2').status === 'completed', 'wave completed', 10000);
    expect(c1.waves.getOrder('O-2').lines.map((l) => l.status)).toEqual([
      'picked',
      'picked',
      'short',
    ]);

    const last = c1.outbox.lastSeq();
    expect(last).toBeGreaterThan(seqBefore);
    await until(() => c1.mqttEvents!.deliveredSeq === last, 'all events published', 10000);
    for (const [id, seqs] of published) expect([id, seqs.size]).toEqual([id, 1]);
    // the events after the restart reached a subscriber
    const feed = c1.outbox.read(seqBefore, 100);
    await until(
      () => feed.every((e) => published.has(e.eventId)),
      'events after restart seen',
      5000,
    );
  });
});
