import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../app/main.ts';
import { auth } from '../helpers/harness.ts';
import { type LiveController, type LiveSite, liveController, registers } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

let live: LiveController;
let site: LiveSite;
let c: Controller;

beforeAll(async () => {
  live = await liveController();
  ({ site, c } = live);
});
afterAll(async () => {
  await live?.stop();
});

const api = async (
  method: string,
  url: string,
  body?: object,
  role: Parameters<typeof auth>[0] = 'technician',
) => {
  const r = await c.app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers: auth(role),
    payload: body,
  });
  return { status: r.statusCode, json: r.json() as any };
};

describe('technician API', () => {
  it('is for the technician role only', async () => {
    expect((await api('GET', '/technician/buses', undefined, 'wms')).status).toBe(403);
    expect((await api('GET', '/technician/buses', undefined, 'operator')).status).toBe(403);
  });

  it('lists buses and modules with health, counters and locations', async () => {
    await until(
      () =>
        c.buses
          .get('bus-a')!
          .modules()
          .every((m) => m.online),
      'bus-a modules online',
      10_000,
    );
    const buses = (await api('GET', '/technician/buses')).json.buses;
    expect(buses.map((b: any) => b.id)).toEqual(['bus-a', 'bus-b']);
    expect(buses[0]).toMatchObject({
      transport: 'modbus-tcp',
      open: true,
      modules: 17,
      online: 17,
    });
    const mods = (await api('GET', '/technician/buses/bus-a/modules')).json.modules;
    expect(mods.find((m: any) => m.address === 3)).toMatchObject({
      location: 'A-01-03',
      zone: 'A',
      online: true,
      inUse: false,
    });
    expect(mods.find((m: any) => m.address === 100)).toMatchObject({ location: 'A-DONE' });
    expect(mods[0].counters.transactions).toBeGreaterThan(0);
    expect(mods[0].lastSeenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(mods[0].heldFor).toBeNull();
    expect((await api('GET', '/technician/buses/nope/modules')).status).toBe(404);
  });

  it('identifies a module by blinking it fast, then restores it', async () => {
    const res = api('POST', '/technician/buses/bus-a/modules/9/identify', { ms: 300 });
    await until(() => registers(site, 'A-01-09')[0] === 3, 'fast blink', 5000);
    expect((await res).status).toBe(200);
    await until(() => registers(site, 'A-01-09')[0] === 0, 'restored to dark', 5000);
  });

  it('shows a controller snapshot at /status for any role', async () => {
    const r = await api('GET', '/status', undefined, 'viewer');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      site: 'DEMO-1',
      engine: { picks: expect.any(Number) },
      webhooks: [{ deliveredSeq: expect.any(Number) }],
    });
    expect(r.json.buses.map((b: any) => b.id)).toEqual(['bus-a', 'bus-b']);
    expect((await api('GET', '/status', undefined, 'viewer')).status).toBe(200);
  });

  it('reads a module identity', async () => {
    const r = await api('GET', '/technician/buses/bus-a/modules/2/identity');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(expect.arrayContaining(['model', 'fw', 'serial']));
  });

  it('answers /identity and /identify the same way for an unconfigured address', async () => {
    const identity = await api('GET', '/technician/buses/bus-a/modules/77/identity');
    const identify = await api('POST', '/technician/buses/bus-a/modules/77/identify', { ms: 100 });
    expect([identity.status, identity.json.error.code]).toEqual([404, 'MODULE_NOT_FOUND']);
    expect([identify.status, identify.json.error.code]).toEqual([404, 'MODULE_NOT_FOUND']);
  });

  it('refuses a walk test given both a bus and a zone', async () => {
    const r = await api('POST', '/technician/walk-test', { bus: 'bus-a', zone: 'A', dwellMs: 0 });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INVALID_REQUEST');
  });

  it('walk-tests a zone and reports the module that never answered', async () => {
    site.floor.module('B-02-05').setFault({ kind: 'silence' });
    try {
      const r = await api('POST', '/technician/walk-test', { zone: 'B', dwellMs: 10 });
      expect(r.status).toBe(200);
      expect(r.json.tested).toBe(13); // 12 locations + the done indicator
      expect(r.json.failed.map((f: any) => f.location)).toEqual(['B-02-05']);
      expect(r.json.answered).toHaveLength(12);
    } finally {
      site.floor.module('B-02-05').setFault(null);
    }
  });

  it('re-addresses a module; it takes the address when its confirm key is pressed', async () => {
    const r = await api('POST', '/technician/buses/bus-a/modules/16/address', { to: 200 });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ needsKeyPress: true, expiresAt: expect.any(String) });
    const m = site.floor.module('bus-a:16');
    m.press('confirm');
    expect(m.address).toBe(200);
    const taken = await api('POST', '/technician/buses/bus-a/modules/15/address', { to: 14 });
    expect([taken.status, taken.json.error.code]).toEqual([409, 'ADDRESS_IN_USE']); // 14 answers already
    // 200 is in no site config, but the module just moved there answers: the probe finds it
    const probed = await api('POST', '/technician/buses/bus-a/modules/15/address', { to: 200 });
    expect([probed.status, probed.json.error.code]).toEqual([409, 'ADDRESS_IN_USE']);
  });

  it('cancels an armed re-address: the module keeps its address and its press is a key event again', async () => {
    const r = await api('POST', '/technician/buses/bus-a/modules/12/address', { to: 201 });
    expect(r.status).toBe(200);
    const mods = (await api('GET', '/technician/buses/bus-a/modules')).json.modules;
    expect(mods.find((x: any) => x.address === 12).heldFor).toBe('re-address to 201');
    const del = await api('DELETE', '/technician/buses/bus-a/modules/12/address');
    expect([del.status, del.json]).toEqual([200, { disarmed: true }]);
    const m = site.floor.module('A-01-12');
    m.press('confirm');
    expect(m.address).toBe(12);
    const again = await api('DELETE', '/technician/buses/bus-a/modules/12/address');
    expect([again.status, again.json.error.code]).toEqual([404, 'READDRESS_NOT_ARMED']);
  });
});
