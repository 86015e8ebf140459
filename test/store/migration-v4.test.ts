/**
 * Migration 4 (module addresses: unit numbers or module ids) upgrades a store
 * written before it: test/fixtures/store-v2.db (made by
 * test/fixtures/make-store-v2.ts) holds three lit modules, an open zone
 * session and a line flagged device-offline.
 */
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../controller/store/db.ts';
import { type FakeFloor, fakeFloor } from '../helpers/floor.ts';
import { tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/store-v2.db');

describe('migration 4 on a store of the previous release', () => {
  let t: ReturnType<typeof tempDir>;
  let db: string;
  let f: FakeFloor | undefined;
  beforeEach(() => {
    t = tempDir();
    db = join(t.dir, 'pickline.db');
    copyFileSync(FIXTURE, db);
  });
  afterEach(async () => {
    await f?.stop();
    f = undefined;
    t.remove();
  });

  it('keeps lit modules, sessions and flags, and re-lights the same modules with the same seq', async () => {
    const before = new Store(db);
    before.start([]); // no migration: read the rows as the old release left them
    const litBefore = before.db.prepare('SELECT * FROM lights ORDER BY address').all();
    before.stop();
    expect(litBefore).toHaveLength(3);

    f = await fakeFloor(db);
    expect(f.store.schemaVersion()).toBeGreaterThanOrEqual(4);
    const lit = f.store.db.prepare('SELECT * FROM lights ORDER BY address').all();
    expect(lit).toEqual(litBefore);
    for (const r of lit as { address: number; seq: number; display: number }[]) {
      expect(typeof r.address).toBe('number');
      await until(() => f!.a.lit(r.address)?.seq === r.seq, `module ${r.address} re-lit`);
      expect(f.a.lit(r.address)).toMatchObject({ seq: r.seq, display: r.display });
    }
    expect(f.store.db.prepare('SELECT zone, order_id, picker FROM zone_sessions').all()).toEqual([
      { zone: 'A', order_id: 'O1', picker: 'jdoe' },
    ]);
    expect(f.waves.getOrder('O1').lines.map((l) => [l.lineId, l.status, l.flag])).toEqual([
      ['L1', 'lit', null],
      ['L2', 'lit', null],
      ['L3', 'lit', 'device-offline'],
    ]);
    // foreign keys still hold against the rebuilt locations table
    expect(f.store.db.pragma('foreign_key_check')).toEqual([]);
    expect(f.store.db.pragma('foreign_keys', { simple: true })).toBe(1);

    // the key press on a restored module still completes its line
    f.a.press(3, 'confirm', 3);
    await until(() => f!.waves.getOrder('O1').lines[0].status === 'picked', 'L1 picked');
    expect(f.waves.getOrder('O1').lines[0]).toMatchObject({ picked: 3, picker: 'jdoe' });
    expect(f.outbox.read(0, 100).filter((e) => e.type === 'line.picked')).toHaveLength(1);
  });

  it('stores a module id as text and a unit number as a number, and refuses anything else', async () => {
    f = await fakeFloor(db);
    const ins = f.store.db.prepare(
      `INSERT INTO lights (bus, address, line_id, zone, seq, mode, lit_at)
       VALUES ('mqtt-1', ?, 'L1', 'A', 9, 'on', 'now')`,
    );
    f.store.db.prepare("DELETE FROM lights WHERE line_id = 'L1'").run();
    ins.run('ptl-0001');
    const row = f.store.db
      .prepare("SELECT address, typeof(address) AS t FROM lights WHERE bus = 'mqtt-1'")
      .get();
    expect(row).toEqual({ address: 'ptl-0001', t: 'text' });
    f.store.db.prepare("DELETE FROM lights WHERE bus = 'mqtt-1'").run();
    expect(() => ins.run('7/x')).toThrow(/CHECK constraint/);
    ins.run('12'); // numeric text is the unit number
    expect(
      f.store.db.prepare("SELECT address FROM lights WHERE bus = 'mqtt-1' AND address = 12").get(),
    ).toEqual({ address: 12 });
  });
});
