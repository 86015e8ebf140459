/**
 * The floor view on MQTT modules (issue 24): a click on a lit bin of a
 * simulated MQTT module presses its confirm key (before: the press route
 * answered MODULE_NOT_FOUND for every MQTT bin and the page showed the error).
 * A controller with the simulated floor attached as `pickline start` attaches
 * it: the fleet connects once the embedded broker listens.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedFloor } from '../../app/floor.ts';
import { Controller } from '../../app/main.ts';
import { MODULES, mqttSite, wave } from '../drivers/mqtt/site.ts';
import { type Browser, chromiumAvailable, openBrowser, signIn } from '../helpers/browser.ts';
import { auth, TOKENS, tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

let tmp: ReturnType<typeof tempDir>;
let c: Controller;
let floor: SimulatedFloor;
let base: string;
let b: Browser | null = null;

describe.skipIf(!chromiumAvailable())('the floor view on simulated MQTT modules', () => {
  beforeAll(async () => {
    tmp = tempDir();
    const config = mqttSite(`${tmp.dir}/p.db`, { embedded: { host: '127.0.0.1', port: 0 } });
    for (const bus of config.buses) if (bus.transport === 'mqtt') bus.simulate = true;
    floor = new SimulatedFloor(config, new Map());
    await floor.start();
    c = new Controller(
      { config, file: '(inline)', profiles: new Map() },
      {
        logger: pino({ level: 'silent' }),
        simulator: floor,
        onBrokerListening: (url) => floor.attach(url),
      },
    );
    await c.start();
    await until(
      () => c.buses.get('mq')!.info().online === MODULES.length,
      'modules online',
      10_000,
    );
    base = `http://127.0.0.1:${c.address.port}`;
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await floor?.mqtt.stop();
    await c?.stop();
    await floor?.stop();
    tmp?.remove();
  });

  it('presses the confirm key of a lit MQTT bin when it is clicked: the line is picked', async () => {
    b = await openBrowser(base);
    const { page } = b;
    await signIn(page, TOKENS.operator, '/floor');
    await page.waitForSelector('section.zone[data-zone="Q"]');
    const post = (path: string, role: 'wms' | 'operator', body: unknown) =>
      fetch(`${base}/api/v1${path}`, {
        method: 'POST',
        headers: { ...auth(role), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/waves', 'wms', wave('MW-1', 'MO-1', 'TOTE-M1', ['Q-01', 'Q-02']))).status,
    ).toBe(201);
    expect(
      (await post('/zones/Q/scan', 'operator', { code: 'TOTE-M1', picker: 'jdoe' })).status,
    ).toBe(200);
    const lit = (id: string, on: boolean) =>
      page.locator(`.bin[data-location="${id}"][data-lit="${on}"]`);
    await lit('Q-01', true).waitFor();
    await until(
      () => floor.mqtt.module({ bus: 'mq', address: MODULES[0] }).shown.mode === 'on',
      'Q-01 shows its light',
      5000,
    );
    await b.screenshot('floor-mqtt-lit');

    await lit('Q-01', true).click(); // the page presses Q-01's confirm key on the MQTT module
    await lit('Q-01', false).waitFor();
    expect(await page.locator('#message').textContent()).toBe('');
    const line = () => c.waves.get('MW-1').orders[0].lines.find((l) => l.lineId === 'MO-1-1');
    await until(() => line()?.status === 'picked', 'MO-1-1 picked', 5000);
    expect(line()).toMatchObject({ status: 'picked', picked: 2 });
    await lit('Q-02', true).click();
    await until(() => c.waves.get('MW-1').status === 'completed', 'wave completed', 5000);
    await b.screenshot('floor-mqtt-dark');
  }, 60_000);
});
