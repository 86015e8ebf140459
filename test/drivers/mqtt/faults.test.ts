/**
 * MQTT module faults against the light bus on the embedded broker (issue 9):
 * a broken connection (last will) and a clean disconnect without will both
 * end offline; a module that comes back is lit again; a slow ack is re-sent
 * and counted; malformed ack/status payloads change nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HealthChange, TechnicianBus } from '../../../device-drivers/types.ts';
import { type MqttFleet, MqttSimModule } from '../../../simulators/mqtt/index.ts';
import { until } from '../../kit/until.ts';
import { embeddedPeer, type MqttPeer, moduleId } from '../contract/mqtt-peers.ts';

let peer: MqttPeer;
let fleet: MqttFleet;
const buses: TechnicianBus[] = [];

beforeAll(async () => {
  peer = await embeddedPeer([1, 2, 3, 4]);
  fleet = peer.fleet;
});
afterEach(async () => {
  for (const b of buses.splice(0)) await b.stop();
});
afterAll(async () => {
  await peer?.close();
});

async function bus(over: Record<string, number> = {}) {
  const b = peer.createBus([1, 2, 3, 4], { retries: 1, timeoutMs: 150, ...over });
  buses.push(b);
  await b.start();
  await until(() => b.info().online === 4, 'all online', 3000);
  return b;
}
const mod = (b: TechnicianBus, n: number) => b.modules().find((m) => m.address === moduleId(n))!;

describe('MQTT module faults', () => {
  it('a broken connection: the will makes it offline at once; back, it is lit again', async () => {
    const b = await bus();
    const health: HealthChange[] = [];
    b.onHealth((e) => health.push(e));
    await b.light(moduleId(1), { mode: 'on', color: 'blue', display: 5, seq: 11 });
    const m = fleet.module(moduleId(1));
    m.drop();
    await until(() => !mod(b, 1).online, 'offline by will', 3000);
    expect(health[0]).toMatchObject({ address: 'ptl-1', online: false });
    m.shown = { mode: 'off', color: null, display: null, seq: 0 }; // it rebooted
    // mqtt.js reconnects the module by itself; its status makes it online and the bus re-lights it
    await until(() => mod(b, 1).online, 'online again', 5000);
    await until(() => m.shown.mode === 'on', 're-lit', 3000);
    expect(m.shown).toMatchObject({ mode: 'on', color: 'blue', display: 5, seq: 11 });
  });

  it('a clean disconnect without will is found by the health check', async () => {
    const b = await bus({ healthIntervalMs: 200, offlineAfter: 1, retries: 0 });
    const m = fleet.module(moduleId(2));
    await m.disconnectWithoutWill();
    try {
      await until(() => !mod(b, 2).online, 'offline by health check', 5000);
      expect(mod(b, 2).lastError).toMatch(/no ack/);
    } finally {
      await m.connect();
    }
    await until(() => mod(b, 2).online, 'online again', 5000);
  });

  it('a slow ack: the set is sent again and the late ack still completes the command', async () => {
    const b = await bus({ timeoutMs: 100, retries: 2 });
    const m = fleet.module(moduleId(3));
    m.fault = { kind: 'slow', ms: 150 };
    try {
      await b.light(moduleId(3), { mode: 'blink', color: 'red', display: 1, seq: 21 });
    } finally {
      m.fault = null;
    }
    const c = mod(b, 3).counters;
    expect(c.timeouts).toBeGreaterThanOrEqual(1);
    expect(c.transactions).toBe(c.timeouts + 1);
    expect(m.counters.sets).toBeGreaterThanOrEqual(2);
    expect(mod(b, 3).online).toBe(true);
  });

  it('malformed ack and status payloads change nothing', async () => {
    const b = await bus();
    const m = fleet.module(moduleId(4));
    await m.publishRaw('ack', 'garbage');
    await m.publishRaw('status', '{"online":"maybe"}');
    await m.publishRaw('status', '[]');
    await b.light(moduleId(4), { mode: 'on', color: 'green', display: 2, seq: 31 });
    expect(mod(b, 4).online).toBe(true);
    expect(m.shown.seq).toBe(31);
  });

  it('refuses a module without credentials at the broker', async () => {
    const rogue = new MqttSimModule({ url: peer.url, id: 'ptl-99', secret: 'guessed-secret-123' });
    await expect(rogue.connect()).rejects.toThrow(/Bad username or password/i);
    await rogue.close();
  });
});
