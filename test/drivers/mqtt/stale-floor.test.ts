/**
 * A scan is not held behind stale commands (issue 16 item 7), through the
 * whole controller: the floor is restored (`recover`: every idle module is
 * sent `off`) while the modules ignore commands; they start answering; a
 * scan then lights its modules at once, although the unacked `off`s would
 * be re-sent for seconds. The engine's lighting used to wait for each
 * module's previous command; the MQTT bus is last-writer-wins, so it gets
 * the new state at once. No module goes offline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../../app/main.ts';
import { MqttFleet } from '../../../simulators/mqtt/index.ts';
import { tempDir } from '../../helpers/harness.ts';
import { until } from '../../kit/until.ts';
import { controller, MODULES, mqttSite, SCANNER, secretOf, wave } from './site.ts';

let tmp: ReturnType<typeof tempDir>;
let c: Controller;
let fleet: MqttFleet;

beforeAll(async () => {
  tmp = tempDir();
  const config = mqttSite(`${tmp.dir}/s.db`, { embedded: { host: '127.0.0.1', port: 0 } });
  // slow acks are tolerated for 2 × 2 s: a stale command stays pending that long
  Object.assign(config.buses[0], { timeoutMs: 2000, retries: 1, healthIntervalMs: 600000 });
  c = controller(config);
  await c.start();
  fleet = new MqttFleet({
    url: c.broker!.url,
    modules: MODULES.map((id) => ({ id, secret: secretOf(id) })),
    scanners: [{ id: SCANNER, secret: secretOf(SCANNER) }],
  });
  await fleet.start();
});
afterAll(async () => {
  await fleet?.stop();
  await c?.stop();
  tmp?.remove();
});

describe('a scan after commands the modules ignored', () => {
  it('lights at once and no module goes offline', async () => {
    const bus = c.buses.get('mq')!;
    await until(() => bus.info().online === MODULES.length, 'modules online', 5000);
    // the re-sends of their return are through
    await until(() => bus.info().queueDepth === 0, 'nothing pending', 6000);
    for (const m of fleet.modules()) m.fault = { kind: 'silent' };
    const before = fleet.modules().map((m) => m.counters.sets);
    const restored = c.engine.recover();
    // the `off`s reached the modules, which ignored them
    await until(
      () => fleet.modules().every((m) => m.counters.ignored > 0),
      'stale offs ignored',
      3000,
    );
    expect(bus.info().queueDepth).toBe(MODULES.length);
    for (const m of fleet.modules()) m.fault = null;
    c.waves.submit(wave('W-S', 'O-S', 'TOTE-S', ['Q-01', 'Q-02']));
    const t0 = performance.now();
    const scan = await c.commands.scan({ zone: 'Q', code: 'TOTE-S', operator: 'jdoe' });
    const ms = performance.now() - t0;
    expect(scan.lit).toHaveLength(2);
    expect([0, 1].map((i) => fleet.module(MODULES[i]).shown.mode)).toEqual(['on', 'on']);
    // behind the stale `off`s it took up to 4 s
    expect(ms).toBeLessThan(1000);
    await restored;
    expect(bus.info().online).toBe(MODULES.length);
    expect(before.every((n, i) => fleet.modules()[i].counters.sets > n)).toBe(true);
  });
});
