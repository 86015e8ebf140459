/**
 * ABLEPick specifics beyond the neutral contract (device-drivers/ablepick/):
 * polling range, stale presses without a job token, tag faults mapped to
 * health and counters, malformed bytes, reconnect and re-light, address
 * offers, identify with the buzzer, a controller that hangs while connected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusConfig } from '../../../config/schema.ts';
import { AblePickLightBus } from '../../../device-drivers/ablepick/ablepick-bus.ts';
import { createBus } from '../../../device-drivers/index.ts';
import type { KeyEvent, TechnicianBus } from '../../../device-drivers/types.ts';
import { isPicklineError } from '../../../kernel/errors.ts';
import { AblePickSimulator } from '../../../simulators/ablepick/index.ts';
import { until } from '../../kit/until.ts';
import { shownBy } from '../contract/ablepick-peer.ts';

let sim: AblePickSimulator;
let bus: TechnicianBus;
let keys: KeyEvent[];
let endpoint: { host: string; port: number };

const frame = (sub: number, node: number, data: number[] = []) =>
  Buffer.from([8 + data.length, 0, 0x60, 0, 0, 0, sub, node, ...data]);
const mod = (a: number) => bus.modules().find((m) => m.address === a)!;

async function open(tags: number[], over: Partial<BusConfig> = {}) {
  bus = createBus(
    { id: 'ap', transport: 'ablepick', ...endpoint, timeoutMs: 200, ...over } as BusConfig,
    { profiles: new Map(), addresses: tags },
  );
  keys = [];
  bus.onKey((e) => keys.push(e));
  await bus.start();
}

beforeEach(async () => {
  sim = new AblePickSimulator({ tags: { 1: [1, 2, 3, 7, 40] } });
  endpoint = await sim.start();
});
afterEach(async () => {
  await bus?.stop();
  await sim.stop();
});

describe('ABLEPick bus', () => {
  it('sets the polling range to the highest configured tag and sweeps the tags', async () => {
    await open([1, 2, 40, 41]);
    expect(sim.range[1]).toBe(41);
    await until(
      () => mod(1).online && mod(41).online === false && bus.info().online === 3,
      'swept',
      3000,
    );
    expect(bus.info()).toMatchObject({ transport: 'ablepick', open: true, modules: 4 });
  });

  it('counts a press on a dark tag and on an unconfigured tag as stale, and delivers none', async () => {
    await open([1, 3]);
    expect(sim.press(7, 'short')).toBe(false); // beyond the polling range: never reported
    sim.press(1, 'confirm');
    sim.press(2, 'short'); // polled by the controller, not configured on this bus
    await until(() => bus.info().counters.staleEvents === 2, 'stale');
    expect(mod(1).counters.staleEvents).toBe(1);
    expect(keys).toEqual([]);
  });

  it('judges a press that crosses a re-light by what the tag showed when pressed', async () => {
    await open([1]);
    await bus.light(1, { mode: 'on', color: 'green', display: 4, seq: 5 });
    const next = bus.light(1, { mode: 'on', color: 'green', display: 9, seq: 6 });
    sim.press(1, 'confirm'); // on the wire before the new state reaches the controller
    await next;
    await until(() => keys.length === 1, 'key');
    expect(keys[0]).toMatchObject({ seq: 5, display: 4 });
    sim.press(1, 'confirm');
    await until(() => keys.length === 2, 'second key');
    expect(keys[1]).toMatchObject({ seq: 6, display: 9 });
  });

  it('maps malfunction to DEVICE_EXCEPTION (still online) and an unasked 0x0A/0x0C to counters and health', async () => {
    await open([2, 3], { offlineAfter: 2, retries: 0 });
    await until(() => mod(2).online && mod(3).online, 'online');
    sim.tag(2).fault = 'malfunction';
    const err = await bus.light(2, { mode: 'on', seq: 1 }).catch((e) => e);
    expect(isPicklineError(err, 'DEVICE_EXCEPTION')).toBe(true);
    expect(mod(2)).toMatchObject({ online: true, lastError: 'tag 2: malfunction' });
    expect(mod(2).counters.exceptions).toBe(1);
    sim.garble(frame(0x0c, 3)); // illegal command, unasked
    sim.garble(frame(0x0a, 3)); // tag timed out, unasked
    await until(
      () => mod(3).counters.exceptions === 1 && mod(3).counters.timeouts === 1,
      'counted',
    );
    sim.garble(frame(0x0a, 3));
    await until(() => mod(3).online === false, 'offline after two timeouts');
  });

  it('skips malformed bytes (counted) and still takes the frames after them', async () => {
    await open([1]);
    await bus.light(1, { mode: 'on', display: 2, seq: 8 });
    sim.garble(Buffer.from([0x0f, 0x00, 0x60, 0x00, 0x13, 0x37, 0xff]));
    sim.garble(frame(0x06, 1, [0, 0, 0, 0, 0x31, 0x0f, 0])); // display not ASCII: malformed
    sim.press(1, 'confirm');
    await until(() => keys.length === 1, 'key');
    expect(keys[0]).toMatchObject({ address: 1, display: 2, seq: 8 });
    expect(bus.info().counters.crcErrors).toBeGreaterThan(0);
  });

  it('reconnects after the connection drops and re-lights what a restarted controller lost', async () => {
    await open([1, 3]);
    await bus.light(1, { mode: 'blink', color: 'blue', display: 6, seq: 11 });
    await bus.light(3, { mode: 'on', color: 'red', display: 1, seq: 12 });
    await bus.clear(3);
    const connections = sim.counters.connections;
    sim.range[1] = 200;
    sim.tag(1).clear(); // the controller restarted: its tags are dark
    sim.dropConnections();
    await until(() => !bus.info().open, 'down', 2000);
    const err = await bus.light(3, { mode: 'on', seq: 13 }).catch((e) => e);
    expect(isPicklineError(err, 'BUS_IO')).toBe(true);
    await until(
      () => sim.counters.connections > connections && bus.info().open,
      'reconnected',
      3000,
    );
    // one exchange per tag: tag 3's frames follow tag 1's bitmap
    await until(
      () => shownBy(sim, 1).mode === 'blink' && shownBy(sim, 3).mode === 'on',
      're-lit', // 3: asked for while down
      3000,
    );
    expect(shownBy(sim, 1)).toEqual({ mode: 'blink', color: 'blue', display: 6 });
    expect(sim.range[1]).toBe(3);
    sim.press(1, 'confirm');
    await until(() => keys.length === 1, 'key after reconnect');
    expect(keys[0]).toMatchObject({ address: 1, seq: 11 });
  });

  it('re-lights a tag that reports a reset (0x0E)', async () => {
    await open([2]);
    await bus.light(2, { mode: 'on', color: 'cyan', display: 3, seq: 4 });
    sim.tag(2).clear();
    sim.garble(frame(0x0e, 2));
    await until(() => shownBy(sim, 2).display === 3, 're-lit');
    expect(shownBy(sim, 2)).toEqual({ mode: 'on', color: 'cyan', display: 3 });
  });

  it('offers a new address that the tag takes on a key press, without a key event', async () => {
    await open([7]);
    expect(await bus.setAddress!(7, 9)).toEqual({ needsKeyPress: true });
    expect(sim.tag(7).look.text).toBe('7-9');
    sim.press(7, 'confirm');
    expect(sim.has(9)).toBe(true);
    expect(sim.has(7)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(keys).toEqual([]);
    expect(bus.info().counters.staleEvents).toBe(0);
  });

  it('withdraws an offer when the address is set to itself', async () => {
    await open([7]);
    await bus.setAddress!(7, 9);
    expect(await bus.setAddress!(7, 7)).toEqual({ needsKeyPress: false });
    expect(sim.tag(7).offered).toBeNull();
    const err = await bus.setAddress!(7, 201).catch((e) => e);
    expect(isPicklineError(err, 'UNSUPPORTED')).toBe(true);
  });

  it('sounds the buzzer while identifying and silences it after', async () => {
    await open([1]);
    const done = bus.identify!(1, 100);
    await until(() => sim.tag(1).look.buzzer, 'buzzing');
    expect(shownBy(sim, 1)).toMatchObject({ mode: 'fast', display: 1 }); // dark: shows its address
    await done;
    expect(sim.tag(1).look).toMatchObject({ buzzer: false, led: false });
  });

  it('refuses white and out-of-range quantities before sending anything', async () => {
    await open([1]);
    const frames = sim.counters.frames;
    for (const s of [
      { mode: 'on' as const, color: 'white' as const, seq: 1 },
      { mode: 'on' as const, display: 1_000_000, seq: 1 },
    ]) {
      const err = await bus.light(1, s).catch((e) => e);
      expect(isPicklineError(err, 'UNSUPPORTED')).toBe(true);
    }
    expect(sim.counters.frames).toBe(frames);
    expect(mod(1).state).toBeNull();
    expect(bus).toBeInstanceOf(AblePickLightBus);
  });

  it('starts without the controller, reports its tags offline, and comes up when it does', async () => {
    await sim.stop();
    const health: [number, boolean][] = [];
    bus = createBus(
      { id: 'ap', transport: 'ablepick', ...endpoint, healthIntervalMs: 100, offlineAfter: 2 },
      { profiles: new Map(), addresses: [1, 2] },
    );
    bus.onHealth((e) => health.push([e.address as number, e.online]));
    await bus.start();
    expect(bus.info().open).toBe(false);
    await until(() => health.filter(([, on]) => !on).length === 2, 'offline', 3000);
    const err = await bus.light(1, { mode: 'on', display: 5, seq: 3 }).catch((e) => e);
    expect(isPicklineError(err, 'DEVICE_OFFLINE')).toBe(true);
    sim = new AblePickSimulator({ port: endpoint.port, tags: { 1: [1, 2] } });
    await sim.start();
    await until(() => bus.info().online === 2, 'online', 8000);
    await until(() => shownBy(sim, 1).display === 5, 'lit on return', 2000);
  });

  it('drives the tags of field port 2 (MSG_TYPE 0x61) and ignores port 1 events', async () => {
    await sim.stop();
    sim = new AblePickSimulator({ tags: { 1: [1], 2: [1] } });
    endpoint = await sim.start();
    await open([1], { fieldPort: 2 });
    await bus.light(1, { mode: 'on', color: 'magenta', display: 8, seq: 2 });
    expect(sim.tag(1, 2).look).toMatchObject({ text: '8', led: true, color: 4 });
    expect(sim.tag(1, 1).look.led).toBe(false);
    expect(sim.range[2]).toBe(1);
    sim.press(1, 'confirm', 1); // port 1: another bus's tag
    sim.press(1, 'confirm', 2);
    await until(() => keys.length === 1, 'key');
    await new Promise((r) => setTimeout(r, 30));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ address: 1, display: 8, seq: 2 });
  });

  it('takes a hung controller (connected, answering nothing) offline within seconds and back when it answers', async () => {
    // issue 16 item 8: default healthIntervalMs (2 s) and offlineAfter (3)
    await open([1, 2, 3]);
    const health: [number, boolean, string?][] = [];
    bus.onHealth((e) => health.push([e.address as number, e.online, e.reason]));
    await until(() => bus.info().online === 3, 'online', 3000);
    await bus.light(1, { mode: 'on', color: 'green', display: 4, seq: 7 });
    sim.hang(true);
    await until(() => bus.info().online === 0, 'offline', 6000);
    expect(health.map(([a, on]) => [a, on]).sort()).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(health[0][2]).toBe('the controller did not answer');
    expect(bus.info()).toMatchObject({ open: false, online: 0 }); // /readyz bus:<id>
    expect(sim.connections).toBe(1); // the connection never dropped
    const err = await bus.light(2, { mode: 'on', display: 5, seq: 8 }).catch((e) => e);
    expect(isPicklineError(err, 'DEVICE_OFFLINE')).toBe(true);

    sim.tag(1).clear(); // it lost what it showed meanwhile
    const unanswered = sim.counters.ignored;
    expect(unanswered).toBeGreaterThanOrEqual(3);
    sim.hang(false);
    await until(() => bus.info().online === 3 && bus.info().open, 'online again', 6000);
    expect(health.filter(([, on]) => on).length).toBe(3);
    await until(() => shownBy(sim, 1).display === 4 && shownBy(sim, 2).display === 5, 're-lit');
    await bus.light(3, { mode: 'on', display: 1, seq: 9 }); // replies are its own again
    sim.press(1, 'confirm');
    await until(() => keys.length === 1, 'key after the hang');
    expect(keys[0]).toMatchObject({ address: 1, seq: 7, display: 4 });
  });
});
