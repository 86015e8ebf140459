/**
 * The whole loop over Modbus TCP (issue 4): wave → scan → lights on the
 * simulated modules' registers → key presses (confirm, '-' correction,
 * short) → lights off → events in the feed and at the WMS webhook with
 * valid signatures → order and wave completed.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../app/main.ts';
import { auth } from '../helpers/harness.ts';
import {
  type LiveController,
  type LiveSite,
  liveController,
  registers,
  WEBHOOK_SECRET,
} from '../helpers/live.ts';
import { until } from '../kit/until.ts';

let live: LiveController;
let site: LiveSite;
let c: Controller;
let base: string;

beforeAll(async () => {
  live = await liveController();
  ({ site, c } = live);
  base = `${live.url}/api/v1`;
});
afterAll(async () => {
  await live?.stop();
});

async function api(method: string, path: string, role: Parameters<typeof auth>[0], body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...auth(role), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe('a wave through the simulated floor over Modbus TCP', () => {
  it('lights, confirms, corrects, shorts, completes and reports every pick', async () => {
    const wave = {
      waveId: 'IW-1',
      orders: [
        {
          orderId: 'IO-1',
          container: 'TOTE-1',
          lines: [
            { lineId: 'IL-1', sku: 'MUG', location: 'A-01-01', quantity: 3 },
            { lineId: 'IL-2', sku: 'PEN', location: 'A-01-02', quantity: 5 },
            { lineId: 'IL-3', sku: 'CUP', location: 'A-01-03', quantity: 2 },
          ],
        },
      ],
    };
    expect((await api('POST', '/waves', 'wms', wave)).status).toBe(201);
    const scan = await api('POST', '/zones/A/scan', 'operator', { code: 'TOTE-1', picker: 'jdoe' });
    expect(scan.status).toBe(200);
    expect(scan.json.failed).toEqual([]);
    // the modules' own registers: MODE 1 steady, COLOR 2 green, DISPLAY = quantity, JOB_SEQ = token
    const seq = scan.json.lit.map((l: { lineId: string }) => l.lineId);
    expect(seq).toEqual(['IL-1', 'IL-2', 'IL-3']);
    expect(registers(site, 'A-01-01').slice(0, 3)).toEqual([1, 2, 3]);
    expect(registers(site, 'A-01-02').slice(0, 3)).toEqual([1, 2, 5]);
    expect(registers(site, 'A-01-03').slice(0, 3)).toEqual([1, 2, 2]);
    expect(registers(site, 'A-01-04')[0]).toBe(0);

    site.floor.module('A-01-01').press('confirm'); // 3 of 3
    const m2 = site.floor.module('A-01-02');
    m2.minus(1);
    m2.minus(1); // the picker found 3 of 5 and corrected with '-'
    m2.press('confirm');
    site.floor.module('A-01-03').press('short'); // short key, nothing there
    await until(() => c.waves.get('IW-1').status === 'completed', 'wave completed', 10_000);
    for (const loc of ['A-01-01', 'A-01-02', 'A-01-03']) {
      await until(() => registers(site, loc)[0] === 0, `${loc} dark`, 5000);
    }
    const w = (await api('GET', '/waves/IW-1', 'wms')).json;
    expect(w.orders[0].status).toBe('completed');
    expect(
      w.orders[0].lines.map((l: any) => [l.lineId, l.status, l.picked, l.reason, l.via, l.picker]),
    ).toEqual([
      ['IL-1', 'picked', 3, null, 'light', 'jdoe'],
      ['IL-2', 'short', 3, 'quantity', 'light', 'jdoe'],
      ['IL-3', 'short', 0, 'short-key', 'light', 'jdoe'],
    ]);

    const feed = (await api('GET', '/events?limit=1000', 'wms')).json.events as any[];
    const types = feed
      .map((e) => e.type)
      .filter((t) => !t.startsWith('device.') && !t.startsWith('exception.'));
    // each short opened an exception on the desk (CONTRACTS.md §7)
    expect(feed.filter((e) => e.type === 'exception.opened').map((e) => e.data.kind)).toEqual([
      'short',
      'short',
    ]);
    // three presses on three modules at once: the bus detects them in poll order
    expect(types[0]).toBe('wave.accepted');
    expect(types.slice(1, 4).sort()).toEqual(['line.picked', 'line.shorted', 'line.shorted']);
    expect(types.slice(4)).toEqual(['order.completed', 'wave.completed']);

    // the WMS received the same events, in seq order, each signed with the shared secret
    const received = await site.wms.waitForEvents(feed.length, 10_000);
    expect(received.map((e) => e.eventId)).toEqual(feed.map((e) => e.eventId));
    for (const e of received) {
      const mac = createHmac('sha256', WEBHOOK_SECRET).update(e.raw).digest('hex');
      expect(e.headers['x-pickline-signature']).toBe(`sha256=${mac}`);
      expect(e.headers['x-pickline-event-id']).toBe(e.eventId);
    }
    expect(site.wms.counters).toMatchObject({ badSignatures: 0, outOfOrder: 0, duplicates: 0 });
  });

  it('ignores a press that carries a stale job token (the module was re-lit with a new one)', async () => {
    const wave = {
      waveId: 'IW-2',
      orders: [
        {
          orderId: 'IO-2',
          container: 'TOTE-2',
          lines: [{ lineId: 'IL-21', sku: 'X', location: 'A-01-05', quantity: 1 }],
        },
      ],
    };
    expect((await api('POST', '/waves', 'wms', wave)).status).toBe(201);
    await api('POST', '/zones/A/scan', 'operator', { code: 'TOTE-2', picker: 'asmith' });
    const before =
      c.engine.stats().ignoredPresses +
      (c.buses
        .get('bus-a')!
        .modules()
        .find((m) => m.address === 5)?.counters.staleEvents ?? 0);
    // the module reports a press under another job token: write JOB_SEQ behind the controller's back
    const m = site.floor.module('A-01-05');
    const token = m.readHolding(3, 1)[0];
    m.execute(Buffer.from([0x06, 0x00, 0x03, ((token + 7) >> 8) & 0xff, (token + 7) & 0xff]));
    m.press('confirm');
    const stale = () =>
      c.engine.stats().ignoredPresses +
      (c.buses
        .get('bus-a')!
        .modules()
        .find((x) => x.address === 5)?.counters.staleEvents ?? 0);
    await until(() => stale() > before, 'stale press counted', 5000);
    expect(c.waves.getOrder('IO-2').lines[0].status).toBe('lit');
  });

  it('gives two pickers in one zone distinct colours on the modules', async () => {
    const wave = {
      waveId: 'IW-3',
      orders: [
        {
          orderId: 'IO-31',
          container: 'TOTE-31',
          lines: [{ lineId: 'IL-31', sku: 'A', location: 'A-01-10', quantity: 2 }],
        },
        {
          orderId: 'IO-32',
          container: 'TOTE-32',
          lines: [{ lineId: 'IL-32', sku: 'B', location: 'A-01-11', quantity: 4 }],
        },
      ],
    };
    expect((await api('POST', '/waves', 'wms', wave)).status).toBe(201);
    const a = (await api('POST', '/zones/A/scan', 'operator', { code: 'TOTE-31', picker: 'jdoe' }))
      .json;
    const b = (
      await api('POST', '/zones/A/scan', 'operator', { code: 'TOTE-32', picker: 'asmith' })
    ).json;
    expect(a.color).not.toBe(b.color);
    const colorA = registers(site, 'A-01-10')[1];
    const colorB = registers(site, 'A-01-11')[1];
    expect(colorA).not.toBe(colorB);
    expect([colorA, colorB].every((x) => x > 0)).toBe(true);
    site.floor.module('A-01-10').press('confirm');
    site.floor.module('A-01-11').press('confirm');
    await until(() => c.waves.get('IW-3').status === 'completed', 'both pickers done', 10_000);
    expect(c.waves.getOrder('IO-31').lines[0].picker).toBe('jdoe');
    expect(c.waves.getOrder('IO-32').lines[0].picker).toBe('asmith');
  });

  it('lights put-wall cubbies for a scanned SKU and completes the orders', async () => {
    const wave = {
      waveId: 'IW-4',
      orders: [
        { orderId: 'IO-41', putWall: 'P', lines: [{ lineId: 'IL-41', sku: 'BOOK', quantity: 2 }] },
        {
          orderId: 'IO-42',
          putWall: 'P',
          cubby: 'P-8',
          lines: [{ lineId: 'IL-42', sku: 'BOOK', quantity: 1 }],
        },
      ],
    };
    expect((await api('POST', '/waves', 'wms', wave)).status).toBe(201);
    const r = (await api('POST', '/zones/P/scan', 'operator', { code: 'BOOK', picker: 'jdoe' }))
      .json;
    expect(r.lit.map((l: any) => [l.location, l.quantity])).toEqual([
      ['P-1', 2],
      ['P-8', 1],
    ]);
    expect(registers(site, 'P-1').slice(0, 3)).toEqual([1, 2, 2]);
    expect(registers(site, 'P-8')[2]).toBe(1);
    site.floor.module('P-1').press('confirm');
    site.floor.module('P-8').press('confirm');
    await until(() => c.waves.get('IW-4').status === 'completed', 'put wave completed', 10_000);
    await until(
      () => registers(site, 'P-1')[0] === 0 && registers(site, 'P-8')[0] === 0,
      'cubbies dark',
      5000,
    );
  });
});
