/**
 * Backup during a running wave, then restore on a "replacement box" (README
 * "Running as a service"): `pickline backup FILE` (config found through
 * PICKLINE_CONFIG) asks the running controller while pickers scan and press;
 * `pickline restore` is refused while the controller runs, then puts the
 * backup in place of the stopped controller's store. The restored store passes
 * integrity_check, the floor comes back as it was at backup time (lit
 * modules with their job tokens, sessions, webhook cursors), and the events
 * after the restore continue at seq 1,000,000 with ids never used before: the
 * WMS never receives two different events under one eventId.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../app/main.ts';
import { auth, tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite, registers } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const LOCS = Array.from({ length: 14 }, (_, i) => `A-01-${String(i + 1).padStart(2, '0')}`);
const KEEP_LIT = ['A-01-15', 'A-01-16']; // an order no one presses: lit at backup time for sure

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string }>((done) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/pickline.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => done({ code, out }));
  });
}

function rows(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let c: Controller | null = null;

beforeAll(async () => {
  tmp = tempDir();
  site = await liveSite(tmp.dir);
});
afterAll(async () => {
  await c?.stop();
  await site?.stop();
  tmp?.remove();
});

async function startController(): Promise<Controller> {
  const ctl = new Controller(site.loaded, { logger: pino({ level: 'silent' }) });
  await ctl.start();
  await until(
    () => [...ctl.buses.values()].every((b) => b.info().online === b.info().modules),
    'modules online',
    10_000,
  );
  return ctl;
}

async function api(ctl: Controller, method: string, path: string, body?: unknown) {
  const role = path.startsWith('/waves') || path.startsWith('/events') ? 'wms' : 'operator';
  const res = await fetch(`http://127.0.0.1:${ctl.address.port}/api/v1${path}`, {
    method,
    headers: { ...auth(role), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** Pickers at work: scan the next order, press its lit modules; until stopped. */
function pickers(ctl: Controller, orders: number) {
  let running = true;
  let scanned = 0;
  const done = (async () => {
    while (running && scanned < orders) {
      const r = await api(ctl, 'POST', '/zones/A/scan', { code: `CT-${scanned}`, picker: 'jdoe' });
      if (r.status !== 200) throw new Error(`scan CT-${scanned}: ${r.status}`);
      scanned++;
      for (let i = 0; running && i < 200; i++) {
        const lit = LOCS.filter((l) => registers(site, l)[0] !== 0);
        if (lit.length === 0) break;
        for (const l of lit) site.floor.module(l).press('confirm');
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return scanned;
    },
  };
}

describe('backup while presses happen, restore, start', () => {
  it('recovers the floor as at backup time and never reuses an eventId', async () => {
    c = await startController();
    const wave = {
      waveId: 'BW-1',
      orders: [
        {
          orderId: 'KEEP',
          container: 'CT-KEEP',
          lines: KEEP_LIT.map((l, i) => ({
            lineId: `K-${i}`,
            sku: `K${i}`,
            location: l,
            quantity: 3,
          })),
        },
        ...Array.from({ length: 400 }, (_, o) => ({
          orderId: `BO-${o}`,
          container: `CT-${o}`,
          lines: [0, 1].map((k) => ({
            lineId: `BL-${o}-${k}`,
            sku: `S${o}-${k}`,
            location: LOCS[(o * 2 + k) % LOCS.length],
            quantity: 1 + k,
          })),
        })),
      ],
    };
    expect((await api(c, 'POST', '/waves', wave)).status).toBe(201);
    expect(
      (await api(c, 'POST', '/zones/A/scan', { code: 'CT-KEEP', picker: 'asmith' })).status,
    ).toBe(200);
    const work = pickers(c, 400);
    await until(() => c!.outbox.lastSeq() > 10, 'picks under way', 20_000);

    const url = `http://127.0.0.1:${c.address.port}`;
    const file = join(tmp.dir, 'backup.db');
    const b = await cli(['backup', file, '--url', url], { PICKLINE_CONFIG: site.configFile });
    expect(b.out).toMatch(/backup written: .*backup\.db/);
    expect(b.code).toBe(0);
    // a restore onto the running controller's store is refused
    const inUse = await cli(['restore', file, '--config', site.configFile]);
    expect(inUse.out).toMatch(/in use by another Pickline controller/);
    expect(inUse.code).toBe(1);

    await new Promise((r) => setTimeout(r, 500)); // more picks after the backup: lost with the old box
    const scanned = await work.stop();
    expect(scanned).toBeGreaterThan(1);
    const backupLast = (rows(file, 'SELECT MAX(seq) AS s FROM events')[0] as { s: number }).s;
    const oldEvents = c.outbox.read(0, 100_000);
    expect(oldEvents.at(-1)!.seq).toBeGreaterThan(backupLast); // presses went on after the backup
    await until(() => site.wms.events.length >= oldEvents.length, 'old events delivered', 15_000);
    await c.stop();
    c = null;

    const r = await cli(['restore', file], { PICKLINE_CONFIG: site.configFile });
    expect(r.out).toMatch(/new store epoch 1: new events start at seq 1000000/);
    expect(r.code).toBe(0);
    const store = site.loaded.config.storage.path;
    expect(rows(store, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);

    // the replacement box's modules start dark
    for (const l of [...LOCS, ...KEEP_LIT])
      site.floor.module(l).execute(Buffer.from([0x10, 0, 0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0]));
    const lit = rows(
      file,
      'SELECT l.id AS location, g.seq, g.display FROM lights g JOIN locations l ON l.bus = g.bus AND l.address = g.address',
    ) as { location: string; seq: number; display: number }[];
    expect(lit.map((x) => x.location)).toEqual(expect.arrayContaining(KEEP_LIT));
    const sessions = rows(file, 'SELECT * FROM zone_sessions ORDER BY zone, order_id');
    const cursors = rows(file, 'SELECT url, delivered_seq FROM webhook_cursors ORDER BY url');
    const lines = rows(
      file,
      "SELECT id, status, picked FROM lines WHERE wave_id = 'BW-1' ORDER BY id",
    );

    c = await startController();
    await until(
      () => lit.every((x) => registers(site, x.location)[3] === x.seq),
      'lit modules re-lit with their job tokens',
      10_000,
    );
    for (const x of lit) expect(registers(site, x.location)[2]).toBe(x.display);
    const litNow = new Set(lit.map((x) => x.location));
    for (const l of [...LOCS, ...KEEP_LIT])
      if (!litNow.has(l)) expect(registers(site, l)[0]).toBe(0);
    const db = c.store.db;
    expect(db.prepare('SELECT * FROM zone_sessions ORDER BY zone, order_id').all()).toEqual(
      sessions,
    );
    // delivery resumes at the backup's cursor (it may have moved on already)
    const cursorThen = (cursors as { delivered_seq: number }[])[0].delivered_seq;
    const cursorNow = db.prepare('SELECT delivered_seq AS d FROM webhook_cursors').get() as {
      d: number;
    };
    expect(cursorNow.d).toBeGreaterThanOrEqual(cursorThen);
    expect(
      db.prepare("SELECT id, status, picked FROM lines WHERE wave_id = 'BW-1' ORDER BY id").all(),
    ).toEqual(lines);

    // the floor goes on: every new event is in the new epoch with an id never seen before
    for (const l of KEEP_LIT) site.floor.module(l).press('confirm');
    await until(() => c!.outbox.lastSeq() >= 1_000_001, 'new events after the restore', 10_000);
    const fresh = c.outbox.read(backupLast, 1000);
    expect(fresh[0].seq).toBe(1_000_000);
    const oldIds = new Set(oldEvents.map((e) => e.eventId));
    for (const e of fresh) {
      expect(oldIds.has(e.eventId)).toBe(false);
      expect(e.eventId).toMatch(/^e-[0-9a-f]{6}\.1\.[0-9a-f]{6}-\d+$/);
    }
    await until(
      () => site.wms.events.some((e) => e.seq === fresh.at(-1)!.seq),
      'new events delivered',
      15_000,
    );
    // events after the backup's cursor went out again from the restored store under their
    // ids (the WMS drops them as duplicates); every new event reached the WMS as a new one
    // (a reused id would have been dropped as a duplicate of a different event)
    expect(site.wms.counters.duplicates).toBeGreaterThanOrEqual(backupLast - cursorThen);
    const accepted = new Map(site.wms.events.map((e) => [e.eventId, e]));
    for (const e of fresh)
      expect(accepted.get(e.eventId), e.eventId).toMatchObject({
        seq: e.seq,
        type: e.type,
        data: e.data,
      });
  }, 180_000);
});
