/**
 * Last-writer-wins light commands on the MQTT bus (issue 16 item 7): an
 * unacked older `set` used to hold a newer state for seconds, and a module
 * that reconnected while a stale command was pending was marked offline by
 * that stale failure. Now a newer state replaces a pending or retrying one at
 * once; re-sends carry only the current state; a replaced command never
 * fails or marks the module offline; a module that reconnects gets its wanted
 * state at once. The simulated modules ignore commands (`silent`) and drop or
 * reconnect on demand.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../device-drivers/common/logger.ts';
import { CONTROLLER_USER } from '../../../device-drivers/mqtt/broker.ts';
import { createMqttBus } from '../../../device-drivers/mqtt/factory.ts';
import type { HealthChange, TechnicianBus } from '../../../device-drivers/types.ts';
import { MqttFleet } from '../../../simulators/mqtt/index.ts';
import { until } from '../../kit/until.ts';
import { embeddedBroker, moduleId, secretOf } from '../contract/mqtt-peers.ts';

let env: Awaited<ReturnType<typeof embeddedBroker>>;
let fleet: MqttFleet;
let watcher: MqttClient;
/** every `set` the broker carried: module id → payloads in order */
const sets = new Map<string, { seq: number; mode: string }[]>();
const buses: TechnicianBus[] = [];
const N = [1, 2, 3, 4];

beforeAll(async () => {
  env = await embeddedBroker(N);
  fleet = new MqttFleet({
    url: env.broker.url,
    modules: N.map(moduleId).map((id) => ({ id, secret: secretOf(id) })),
  });
  await fleet.start();
  watcher = await mqtt.connectAsync(env.broker.url, {
    username: CONTROLLER_USER,
    password: env.broker.controllerSecret,
    clientId: 'pickline-test-watcher',
  });
  watcher.on('message', (t, p) => {
    const id = t.split('/')[3];
    sets.set(id, [...(sets.get(id) ?? []), JSON.parse(p.toString())]);
  });
  await watcher.subscribeAsync('pickline/v1/modules/+/set', { qos: 1 });
});
afterEach(async () => {
  for (const b of buses.splice(0)) await b.stop();
  for (const m of fleet.modules()) m.fault = null;
});
afterAll(async () => {
  await watcher?.endAsync(true);
  await fleet?.stop();
  await env?.broker.stop();
});

async function bus(timeoutMs: number, retries: number) {
  const b = createMqttBus(
    { id: 'bus-s', transport: 'mqtt', timeoutMs, retries, healthIntervalMs: 600000 },
    { profiles: new Map(), addresses: N.map(moduleId), logger: silentLogger },
    { link: env.link(`pickline-test-stale-${buses.length}`) },
  );
  buses.push(b);
  await b.start();
  await until(() => b.info().online === N.length, 'all online', 5000);
  const health: HealthChange[] = [];
  b.onHealth((e) => health.push(e));
  return { b, health };
}
const online = (b: TechnicianBus, id: string) => b.modules().find((m) => m.address === id)!.online;
const settled = (p: Promise<void>) =>
  p.then(
    () => 'resolved',
    (e: Error) => `rejected: ${e.message}`,
  );

describe('last-writer-wins MQTT light commands', () => {
  it('a new state replaces an unacked one at once; the replaced one neither fails nor counts', async () => {
    const { b, health } = await bus(2000, 2);
    const id = moduleId(1);
    const m = fleet.module(id);
    m.fault = { kind: 'silent' };
    const stale = settled(b.clear(id));
    await until(() => (sets.get(id) ?? []).some((s) => s.mode === 'off'), 'stale off sent', 3000);
    m.fault = null;
    const t0 = performance.now();
    await b.light(id, { mode: 'on', color: 'green', display: 3, seq: 41 });
    // the stale off would have held it for up to 6 s
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(m.shown).toMatchObject({ mode: 'on', seq: 41 });
    expect(await stale).toBe('resolved');
    expect(online(b, id)).toBe(true);
    expect(health.filter((h) => !h.online)).toEqual([]);
    expect(b.modules().find((x) => x.address === id)!.counters.timeouts).toBe(0);
  });

  it('re-sends carry only the current state, and only its failure makes the module offline', async () => {
    const { b } = await bus(150, 2);
    const id = moduleId(2);
    fleet.module(id).fault = { kind: 'silent' };
    const before = sets.get(id)?.length ?? 0;
    const first = settled(b.light(id, { mode: 'on', color: 'red', display: 1, seq: 51 }));
    await until(() => (sets.get(id)?.length ?? 0) > before, 'first set sent', 3000);
    const second = settled(b.light(id, { mode: 'on', color: 'blue', display: 2, seq: 52 }));
    expect(await first).toBe('resolved');
    expect(await second).toMatch(/rejected: .*no ack/);
    const after = (sets.get(id) ?? []).slice(before);
    expect(after[0].seq).toBe(51);
    // the new state at once, then its own re-sends: never the old one again
    expect(after.slice(1).map((s) => s.seq)).toEqual([52, 52, 52]);
    expect(online(b, id)).toBe(false);
  });

  it('a module that reconnects while a command is pending gets the wanted state at once', async () => {
    const { b, health } = await bus(3000, 1);
    const id = moduleId(3);
    const m = fleet.module(id);
    m.fault = { kind: 'silent' };
    const lit = settled(b.light(id, { mode: 'blink', color: 'yellow', display: 7, seq: 61 }));
    await until(() => (sets.get(id) ?? []).some((s) => s.seq === 61), 'set sent', 3000);
    // it reboots: a clean reconnect (no will), now answering, showing nothing
    await m.disconnectWithoutWill();
    m.fault = null;
    m.shown = { mode: 'off', color: null, display: null, seq: 0 };
    const t0 = performance.now();
    await m.connect();
    await until(() => m.shown.seq === 61, 'lit again', 2500);
    // the pending attempt would have re-sent only after 3 s
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(await lit).toBe('resolved');
    expect(online(b, id)).toBe(true);
    expect(health.filter((h) => !h.online)).toEqual([]);
  });

  it('a module that drops (last will) with a stale command pending is lit on return and stays online', async () => {
    // no re-send: the stale command fails 1.5 s after it was sent, after the module is back
    const { b, health } = await bus(1500, 0);
    const id = moduleId(4);
    const m = fleet.module(id);
    m.fault = { kind: 'silent' };
    const stale = settled(b.clear(id));
    await until(() => (sets.get(id) ?? []).some((s) => s.mode === 'off'), 'stale off sent', 3000);
    m.drop();
    await until(() => !online(b, id), 'offline by will', 3000);
    // the scan decides while it is away: kept for its return
    await expect(b.light(id, { mode: 'on', color: 'green', display: 9, seq: 71 })).rejects.toThrow(
      /offline/,
    );
    m.fault = null;
    await until(() => online(b, id), 'back (mqtt.js reconnects it)', 5000);
    const back = performance.now();
    await until(() => m.shown.seq === 71 && m.shown.mode === 'on', 'lit on return', 2000);
    expect(performance.now() - back).toBeLessThan(600);
    expect(await stale).toBe('resolved');
    // past the stale command's whole retry time: it never made the module offline again
    await new Promise((r) => setTimeout(r, 1600));
    expect(online(b, id)).toBe(true);
    expect(health.map((h) => h.online)).toEqual([false, true]);
  });
});
