/**
 * Client-id takeover (issue 16 item 5): a module login that connects with
 * the controller's own client id (`pickline-<site>-<bus>`) used to kick the
 * controller's bus connection off the embedded broker, again and again. It is
 * refused (CONNACK "identifier rejected"), and the controller's connection
 * stays up: no drop, and a scan still lights its modules.
 */
import mqtt from 'mqtt';
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
  c = controller(mqttSite(`${tmp.dir}/t.db`, { embedded: { host: '127.0.0.1', port: 0 } }));
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

describe('a module login with the controller client id', () => {
  it('is refused, and the controller bus connection never drops', async () => {
    const bus = c.buses.get('mq')!;
    await until(() => bus.info().online === MODULES.length, 'modules online', 5000);
    let drops = 0;
    const watch = setInterval(() => {
      if (!bus.info().open) drops++;
    }, 10);
    try {
      for (const clientId of [
        'pickline-MQ-1-mq',
        'pickline-MQ-1-scanners',
        'pickline-MQ-1-events',
      ]) {
        const rogue = mqtt.connect(c.broker!.url, {
          clientId,
          username: 'ptl-1',
          password: secretOf('ptl-1'),
          reconnectPeriod: 0,
        });
        const refused = await new Promise<Error | null>((resolve) => {
          rogue.once('connect', () => resolve(null));
          rogue.once('error', resolve);
        });
        await rogue.endAsync(true);
        expect(refused?.message).toMatch(/Identifier rejected/i);
      }
      // mqtt.js would reconnect a kicked link after 1 s: watch past that
      await new Promise((r) => setTimeout(r, 1500));
      expect(drops).toBe(0);
      c.waves.submit(wave('W-T', 'O-T', 'TOTE-T', ['Q-01', 'Q-02']));
      await fleet.scan(SCANNER, 'TOTE-T');
      await until(
        () => [0, 1].every((i) => fleet.module(MODULES[i]).shown.mode === 'on'),
        'lit by the scan',
        5000,
      );
      expect(drops).toBe(0);
    } finally {
      clearInterval(watch);
    }
  });
});
