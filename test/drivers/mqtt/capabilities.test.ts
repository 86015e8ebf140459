/**
 * MQTT modules announce what they can show in their status (contract-extensions.md
 * "MQTT"): the bus answers the capability query with it and checks it against the
 * colours the site asks of the module; a shortfall is logged, counted and shown
 * to technicians, never a crash, and a malformed announcement is dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Color } from '../../../config/colors.ts';
import type { EmbeddedBroker } from '../../../device-drivers/mqtt/broker.ts';
import { createMqttBus } from '../../../device-drivers/mqtt/factory.ts';
import type { TechnicianBus } from '../../../device-drivers/types.ts';
import { MqttFleet } from '../../../simulators/mqtt/index.ts';
import { until } from '../../kit/until.ts';
import { capture } from '../common/capture.ts';
import { embeddedBroker, moduleId, secretOf } from '../contract/mqtt-peers.ts';

const ADDRESSES = [1, 2, 3, 4];
const ZONE: Color[] = ['green', 'blue', 'white'];
let broker: EmbeddedBroker;
let fleet: MqttFleet;
let bus: TechnicianBus;
const { log, lines } = capture();

const status = (n: number, capabilities: unknown) =>
  fleet
    .module(moduleId(n))
    .publishRaw('status', JSON.stringify({ online: true, model: 'm', capabilities }));
const info = (n: number) => bus.modules().find((m) => m.address === moduleId(n))!;

beforeAll(async () => {
  const b = await embeddedBroker(ADDRESSES);
  broker = b.broker;
  fleet = new MqttFleet({
    url: broker.url,
    modules: ADDRESSES.map(moduleId).map((id) => ({ id, secret: secretOf(id) })),
  });
  await fleet.start();
  bus = createMqttBus(
    { id: 'mq', transport: 'mqtt', timeoutMs: 500 },
    {
      profiles: new Map(),
      addresses: ADDRESSES.map(moduleId),
      logger: log,
      // module 4 is wired to no zone: nothing is asked of it
      colorsFor: (a) => (a === moduleId(4) ? [] : ZONE),
    },
    { link: b.link('pickline-test-capabilities') },
  );
  await bus.start();
  await until(() => bus.info().online === ADDRESSES.length, 'all online', 5000);
});

afterAll(async () => {
  await bus?.stop();
  await fleet?.stop();
  await broker?.stop();
});

describe('capabilities an MQTT module announces', () => {
  it('are unknown until the module announces them', () => {
    expect(bus.capabilities(moduleId(1))).toBeNull();
    expect(info(1).capabilities).toBeUndefined();
    expect(bus.info().capabilityMismatches).toBe(0);
  });

  it('answer the capability query once announced; a shortfall is logged, counted and shown', async () => {
    await status(1, { colors: ['red', 'green', 'blue'], displayDigits: 3, keys: ['confirm'] });
    await until(() => bus.capabilities(moduleId(1)) !== null, 'capabilities of ptl-1');
    expect(bus.capabilities(moduleId(1))).toEqual({
      colors: ['red', 'green', 'blue'],
      display: true,
      displayDigits: 3,
      keys: ['confirm'],
      source: 'module status',
    });
    expect(info(1).capabilityProblem).toBe(
      "cannot show white of its zone's colours (module status: red, green, blue)",
    );
    expect(bus.info().capabilityMismatches).toBe(1);
    expect(lines.some((l) => l.level === 'warn' && l.obj.address === moduleId(1))).toBe(true);
    // still a working module: a colour it has lights it
    await bus.light(moduleId(1), { mode: 'on', color: 'green', display: 2, seq: 5 });
    expect(fleet.module(moduleId(1)).shown).toMatchObject({ mode: 'on', color: 'green' });
  });

  it('counts a shortfall once, however often the same status comes again', async () => {
    await status(1, { colors: ['red', 'green', 'blue'], displayDigits: 3, keys: ['confirm'] });
    await status(1, { colors: ['red', 'green', 'blue'], displayDigits: 3, keys: ['confirm'] });
    await new Promise((r) => setTimeout(r, 200));
    expect(bus.info().capabilityMismatches).toBe(1);
  });

  it('clears the problem when the module announces the colours its zone asks', async () => {
    await status(1, { colors: ['green', 'blue', 'white', 'orange'], keys: ['confirm', 'fn'] });
    await until(() => info(1).capabilityProblem === undefined, 'problem of ptl-1 cleared');
    // a colour Pickline has no word for is left out, as in a profile
    expect(bus.capabilities(moduleId(1))?.colors).toEqual(['green', 'blue', 'white']);
    expect(bus.info().capabilityMismatches).toBe(1);
  });

  it('takes a module of one fixed colour, and one of no zone, as able to show what is asked', async () => {
    await status(2, { colors: [], display: false, keys: ['confirm'] });
    await status(4, { colors: ['red'] });
    await until(() => bus.capabilities(moduleId(4)) !== null, 'capabilities of ptl-4');
    await until(() => bus.capabilities(moduleId(2)) !== null, 'capabilities of ptl-2');
    expect(info(2).capabilityProblem).toBeUndefined();
    expect(info(4).capabilityProblem).toBeUndefined();
    expect(bus.info().capabilityMismatches).toBe(1);
  });

  it('drops a malformed announcement and keeps the module online and working', async () => {
    for (const bad of [{ colors: 'green' }, [], { colors: ['green'], displayDigits: 99 }])
      await status(3, bad);
    await until(
      () => lines.filter((l) => l.obj.kind === 'status capabilities').length === 3,
      'three malformed announcements logged',
    );
    expect(bus.capabilities(moduleId(3))).toBeNull();
    expect(info(3).online).toBe(true);
    await bus.light(moduleId(3), { mode: 'on', color: 'white', seq: 7 });
    expect(fleet.module(moduleId(3)).shown).toMatchObject({ mode: 'on', color: 'white' });
  });
});
