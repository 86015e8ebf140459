/**
 * A pick zone on an ABLEPick bus end to end (issue 12): the controller talks
 * TCP to the simulated AT500-like controller; a scan lights the tags with the
 * quantities, the picker confirms (one quantity corrected with '-'), the
 * lines are recorded and the events published; then a wave survives the
 * controller connection dropping mid-wave (a restarted controller whose tags
 * went dark): the bus reconnects, re-lights, and the presses after it count;
 * and a controller that hangs while connected takes its tags offline (events,
 * /readyz) until it answers again (issue 16 item 8).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../app/main.ts';
import { checkConfig } from '../../config/load.ts';
import { AblePickSimulator } from '../../simulators/ablepick/index.ts';
import { shownBy } from '../drivers/contract/ablepick-peer.ts';
import { auth, TOKENS, tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

const TAGS = [1, 2, 3, 4, 5, 6];
let tmp: ReturnType<typeof tempDir>;
let sim: AblePickSimulator;
let c: Controller;

beforeAll(async () => {
  tmp = tempDir();
  sim = new AblePickSimulator({ tags: { 1: TAGS } });
  const { host, port } = await sim.start();
  const loaded = checkConfig({
    site: 'AP-1',
    api: { port: 0, tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])) },
    storage: { path: `${tmp.dir}/pl.db` },
    buses: [
      { id: 'ap-1', transport: 'ablepick', host, port, timeoutMs: 200, healthIntervalMs: 200 },
    ],
    zones: [
      {
        id: 'P',
        mode: 'pick',
        locations: TAGS.map((a) => ({ id: `P-${a}`, bus: 'ap-1', address: a })),
      },
    ],
  });
  c = new Controller(loaded, { logger: pino({ level: 'silent' }) });
  await c.start();
});
afterAll(async () => {
  await c?.stop();
  await sim?.stop();
  tmp?.remove();
});

const api = async (method: string, url: string, role: keyof typeof TOKENS, body?: object) => {
  const r = await c.app.inject({
    method: method as 'POST',
    url: `/api/v1${url}`,
    headers: auth(role),
    ...(body ? { payload: body } : {}),
  });
  return { status: r.statusCode, json: r.json() as Record<string, any> };
};
const wave = (id: string, lines: [string, number, number][]) => ({
  waveId: id,
  orders: [
    {
      orderId: `${id}-O`,
      container: `${id}-T`,
      lines: lines.map(([lineId, tag, quantity]) => ({
        lineId,
        sku: lineId,
        location: `P-${tag}`,
        quantity,
      })),
    },
  ],
});

describe('a zone on an ABLEPick bus', () => {
  it('scan → tags lit → confirm (one corrected with -) → lines recorded and events published', async () => {
    await until(() => c.buses.get('ap-1')!.info().online === 6, 'tags online', 10_000);
    const w = wave('AW-1', [
      ['AL-1', 1, 3],
      ['AL-2', 2, 5],
    ]);
    expect((await api('POST', '/waves', 'wms', w)).status).toBe(201);
    const scan = await api('POST', '/zones/P/scan', 'operator', { code: 'AW-1-T', picker: 'jdoe' });
    expect(scan.status).toBe(200);
    expect(scan.json.failed).toEqual([]);
    expect(shownBy(sim, 1)).toMatchObject({ mode: 'on', display: 3 });
    expect(shownBy(sim, 2)).toMatchObject({ mode: 'on', display: 5 });
    expect(shownBy(sim, 3).mode).toBe('off');

    sim.press(1, 'confirm');
    sim.tag(2).adjust(-1); // the picker found 4 of 5 and corrected with '-'
    sim.press(2, 'confirm');
    await until(() => c.waves.get('AW-1').status === 'completed', 'wave completed', 10_000);
    await until(() => shownBy(sim, 1).mode === 'off' && shownBy(sim, 2).mode === 'off', 'dark');
    expect(
      c.waves.getOrder('AW-1-O').lines.map((l) => [l.lineId, l.status, l.picked, l.reason, l.via]),
    ).toEqual([
      ['AL-1', 'picked', 3, null, 'light'],
      ['AL-2', 'short', 4, 'quantity', 'light'],
    ]);
    const feed = (await api('GET', '/events?limit=1000', 'wms')).json.events as any[];
    const picked = feed.find((e) => e.type === 'line.picked');
    expect(picked.data).toMatchObject({ lineId: 'AL-1', picked: 3 });
    const shorted = feed.find((e) => e.type === 'line.shorted');
    expect(shorted.data).toMatchObject({ lineId: 'AL-2', picked: 4 });
  });

  it('keeps a wave going through a controller connection drop: reconnect, re-light, presses count', async () => {
    const bus = c.buses.get('ap-1')!;
    const w = wave('AW-2', [
      ['AL-21', 3, 2],
      ['AL-22', 4, 7],
      ['AL-23', 5, 1],
    ]);
    expect((await api('POST', '/waves', 'wms', w)).status).toBe(201);
    const scan = await api('POST', '/zones/P/scan', 'operator', { code: 'AW-2-T', picker: 'jdoe' });
    expect(scan.json.failed).toEqual([]);
    sim.press(3, 'confirm');
    await until(() => c.waves.getOrder('AW-2-O').lines[0].status === 'picked', 'first line');

    // the controller restarts: connection gone, its tags dark, a press meanwhile is lost
    const connections = sim.counters.connections;
    sim.tag(4).clear();
    sim.tag(5).clear();
    sim.dropConnections();
    await until(() => !bus.info().open, 'bus down', 5000);
    expect(sim.press(4, 'confirm')).toBe(true); // nobody is connected to hear it
    await until(
      () => bus.info().open && sim.counters.connections > connections,
      'reconnected',
      10_000,
    );
    await until(
      () => shownBy(sim, 4).display === 7 && shownBy(sim, 5).display === 1,
      'tags re-lit',
      5000,
    );
    expect(c.waves.getOrder('AW-2-O').lines.map((l) => l.status)).toEqual(['picked', 'lit', 'lit']);

    sim.press(4, 'confirm');
    sim.press(5, 'short');
    await until(() => c.waves.get('AW-2').status === 'completed', 'wave completed', 10_000);
    expect(c.waves.getOrder('AW-2-O').lines.map((l) => [l.status, l.picked, l.reason])).toEqual([
      ['picked', 2, null],
      ['picked', 7, null],
      ['short', 0, 'short-key'],
    ]);
  });

  it('re-addresses a tag for a technician: refused while it shows a job, taken on a key press, then probed in use', async () => {
    const w = wave('AW-3', [['AL-31', 1, 2]]);
    expect((await api('POST', '/waves', 'wms', w)).status).toBe(201);
    await api('POST', '/zones/P/scan', 'operator', { code: 'AW-3-T', picker: 'jdoe' });
    const busy = await api('POST', '/technician/buses/ap-1/modules/1/address', 'technician', {
      to: 9,
    });
    expect([busy.status, busy.json.error.code]).toEqual([409, 'MODULE_BUSY']);
    expect(shownBy(sim, 1)).toMatchObject({ mode: 'on', display: 2 }); // the job was not disturbed

    const r = await api('POST', '/technician/buses/ap-1/modules/6/address', 'technician', {
      to: 9,
    });
    expect([r.status, r.json.needsKeyPress]).toEqual([200, true]);
    expect(sim.tag(6).look.text).toBe('6-9'); // old and new until the key is pressed
    const mods = (await api('GET', '/technician/buses/ap-1/modules', 'technician')).json.modules;
    expect(mods.find((m: any) => m.address === 6).heldFor).toBe('re-address to 9');
    const stale = c.buses.get('ap-1')!.info().counters.staleEvents;
    sim.press(6, 'confirm');
    expect(sim.has(9)).toBe(true);
    // 9 is beyond the polling range (6): the probe widens it to see the tag there
    const probed = await api('POST', '/technician/buses/ap-1/modules/5/address', 'technician', {
      to: 9,
    });
    expect([probed.status, probed.json.error.code]).toEqual([409, 'ADDRESS_IN_USE']);
    expect(sim.range[1]).toBe(6);
    expect(c.buses.get('ap-1')!.info().counters.staleEvents).toBe(stale); // the accept was no key press

    sim.press(1, 'confirm');
    await until(() => c.waves.get('AW-3').status === 'completed', 'wave completed', 10_000);
  });

  it('walk-tests the ABLEPick tags (no white: each shows its address in its own colour)', async () => {
    const r = await api('POST', '/technician/walk-test', 'technician', { bus: 'ap-1', dwellMs: 0 });
    expect(r.status).toBe(200);
    expect(r.json.failed).toEqual([]);
    expect(r.json.answered.map((m: any) => m.address)).toEqual([1, 2, 3, 4, 5]);
    // tag 6 is still held by the re-address armed in the previous test
    expect(r.json.skipped.map((m: any) => [m.address, m.reason])).toEqual([
      [6, expect.stringContaining('re-address to 9')],
    ]);
  });

  it('reports a hung controller (connected, silent): device.offline, /readyz not ready, then device.online', async () => {
    const bus = c.buses.get('ap-1')!;
    await until(() => bus.info().online === 5, 'tags online', 10_000); // 6 moved to 9 above
    const after = (await api('GET', '/events?after=0&limit=1000', 'wms')).json.next as number;
    const feed = async (type: string) =>
      (
        (await api('GET', `/events?after=${after}&limit=1000&type=${type}`, 'wms')).json
          .events as any[]
      )
        .map((e) => e.data.location as string)
        .sort();
    const ready = async () => {
      const r = await c.app.inject({ method: 'GET', url: '/readyz' });
      const bus = (r.json().checks as any[]).find((k) => k.name === 'bus:ap-1');
      return [r.statusCode, bus.ok];
    };
    expect(await ready()).toEqual([200, true]);

    sim.hang(true);
    const online = ['P-1', 'P-2', 'P-3', 'P-4', 'P-5'];
    await until(async () => (await feed('device.offline')).length === 5, 'offline events', 10_000);
    expect(await feed('device.offline')).toEqual(online);
    expect(await ready()).toEqual([503, false]);
    expect(sim.connections).toBe(1);

    sim.hang(false);
    await until(async () => (await feed('device.online')).length === 5, 'online events', 10_000);
    expect(await feed('device.online')).toEqual(online);
    await until(async () => (await ready())[0] === 200, 'ready again', 5000);
  });
});
