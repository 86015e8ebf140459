/**
 * Upgrades (controller/store/db.ts): before a migration runs on a store with
 * data, a copy is made next to it; a failed migration leaves the store as it
 * was — also when an earlier migration of the same upgrade had committed —
 * and the error names the copy.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../controller/store/db.ts';
import { MIGRATIONS } from '../../controller/store/migrations.ts';
import { tempDir } from '../helpers/harness.ts';

/** the newest released migration: test migrations come after it */
const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;
const GOOD = {
  version: LATEST + 1,
  name: 'adds t6',
  sql: 'CREATE TABLE t6 (x); INSERT INTO t6 VALUES (1);',
};
const BAD = (v: number) => ({
  version: v,
  name: 'breaks',
  sql: 'CREATE TABLE half (x); INSERT INTO no_such_table VALUES (1);',
});

function content(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      tables: db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all(),
      versions: db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(),
      meta: db.prepare('SELECT * FROM meta ORDER BY key').all(),
    };
  } finally {
    db.close();
  }
}

describe('a failed migration', () => {
  let t: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    t = tempDir();
    path = join(t.dir, 'pickline.db');
    const s = new Store(path);
    s.start();
    s.db.prepare("INSERT INTO meta VALUES ('site_note', 'data before the upgrade')").run();
    s.stop();
  });
  afterEach(() => t.remove());

  for (const [what, list] of [
    ['alone', [...MIGRATIONS, BAD(LATEST + 1)]],
    ['after a migration of the same upgrade committed', [...MIGRATIONS, GOOD, BAD(LATEST + 2)]],
  ] as const) {
    it(`leaves the store as it was and names the backup (${what})`, () => {
      const before = content(path);
      const s = new Store(path);
      let err: Error | undefined;
      try {
        s.start([...list]);
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).toMatch(/upgrade of store .* failed: .*no such table: no_such_table/);
      expect(err?.message).toMatch(/as it was/);
      const bak = /a copy made before the upgrade is at (\S+)\)/.exec(err?.message ?? '')?.[1];
      expect(bak).toMatch(/pickline\.db\.pre-v\d+-\d{8}T\d{9}Z\.bak$/);
      expect(existsSync(bak as string)).toBe(true);
      expect(content(path)).toEqual(before);
      expect(content(bak as string)).toEqual(before);
      // and it still opens at its old version
      const again = new Store(path);
      again.start();
      expect(again.schemaVersion()).toBe(LATEST);
      again.stop();
    });
  }

  it('makes no copy when nothing is pending or the store is new', () => {
    const s = new Store(path);
    s.start();
    s.stop();
    const fresh = new Store(join(t.dir, 'new.db'));
    fresh.start();
    fresh.stop();
    expect(readdirSync(t.dir).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });

  it('a successful upgrade keeps the copy next to the store', () => {
    const s = new Store(path);
    s.start([...MIGRATIONS, GOOD]);
    expect(s.schemaVersion()).toBe(LATEST + 1);
    s.stop();
    const baks = readdirSync(t.dir).filter((f) => f.endsWith('.bak'));
    expect(baks).toHaveLength(1);
    expect(content(join(t.dir, baks[0])).versions).toHaveLength(LATEST);
  });
});
