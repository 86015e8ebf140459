/**
 * Migrations cannot drift (issue 17 item 5): a store upgraded from the oldest
 * fixture (test/fixtures/store-v2.db, written by the release that knew
 * migrations 1..2) ends with exactly the schema of a new store: the same
 * tables, indexes and triggers (sqlite_master type, name, tbl_name and SQL,
 * whitespace normalised). And every released migration's SQL is pinned by
 * its digest, so editing one (or a constant it was built from) fails here
 * before it can make new installs differ from upgraded ones.
 */
import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../controller/store/db.ts';
import { MIGRATIONS } from '../../controller/store/migrations.ts';
import { tempDir } from '../helpers/harness.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/store-v2.db');

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string;
}

/** Whitespace runs become one space; none next to brackets and commas. */
const normalise = (sql: string) =>
  sql
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim();

function schemaOf(path: string): SchemaRow[] {
  const s = new Store(path);
  s.start([]); // read only what is there
  try {
    const rows = s.db
      .prepare(
        `SELECT type, name, tbl_name, sql FROM sqlite_master
         WHERE type IN ('table', 'index', 'trigger') AND name NOT LIKE 'sqlite_%'
         ORDER BY type, name`,
      )
      .all() as SchemaRow[];
    return rows.map((r) => ({ ...r, sql: normalise(r.sql ?? '') }));
  } finally {
    s.stop();
  }
}

function versionsOf(path: string): number[] {
  const s = new Store(path);
  s.start([]);
  try {
    return (
      s.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
        version: number;
      }[]
    ).map((r) => r.version);
  } finally {
    s.stop();
  }
}

describe('schema after upgrade', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.remove());

  it('a store upgraded from the oldest fixture has exactly the schema of a new one', () => {
    const fresh = join(t.dir, 'fresh.db');
    const upgraded = join(t.dir, 'upgraded.db');
    copyFileSync(FIXTURE, upgraded);
    expect(versionsOf(upgraded)).toEqual([1, 2]);
    for (const path of [fresh, upgraded]) {
      const s = new Store(path);
      s.start();
      s.stop();
    }
    const all = MIGRATIONS.map((m) => m.version);
    expect(versionsOf(fresh)).toEqual(all);
    expect(versionsOf(upgraded)).toEqual(all);
    const want = schemaOf(fresh);
    // tables, indexes and triggers of every migration are there
    expect(new Set(want.map((r) => r.type))).toEqual(new Set(['table', 'index', 'trigger']));
    expect(want.map((r) => r.name)).toEqual(
      expect.arrayContaining(['locations', 'lights', 'kpi_zone_hours', 'kpi_line_closed_update']),
    );
    expect(schemaOf(upgraded)).toEqual(want);
  });

  it('compares whole statements: a difference inside one is found', () => {
    // the comparison itself must be able to fail
    expect(normalise('CREATE TABLE a (x  INTEGER,\n y TEXT )')).toBe(
      'CREATE TABLE a(x INTEGER,y TEXT)',
    );
    expect(normalise('CREATE TABLE a (x INTEGER)')).not.toBe(normalise('CREATE TABLE a (x TEXT)'));
  });
});

/**
 * sha256 of each released migration's SQL. A new migration adds its line
 * here when it is released; an existing line never changes.
 */
const RELEASED: Record<number, string> = {
  1: '98a2ddb8c02d660c8f5fdaa647ca1cb649e389572c6a108bffcc0bfaf3e9d1f1',
  2: '1fbf0196cd1828ce2b2fb37dd83e6ec2a824e638662060d70f1fea257449a866',
  3: 'd5d9b8cd767de681131228c77d1f0e48abf0ae5e86adf6a3cb4a391f4a9c51af',
  4: '4d375d73ec9d7b680cf0f51cfa06e13a84340d4d6b5869f7e6cfd94b6ef2a6f5',
  5: 'bfbc5c103196a611adf3188b69e65d1bd9aeebcd209c4d6af6538959ab10ef26',
  6: '15b5ada183d519ce99d7b2bc586def3c27a8cc3654d9d2301443e26c3b33c96e',
};

describe('released migrations', () => {
  it('are as they were released, byte for byte', () => {
    const digests = Object.fromEntries(
      MIGRATIONS.map((m) => [m.version, createHash('sha256').update(m.sql).digest('hex')]),
    );
    for (const [version, digest] of Object.entries(RELEASED))
      expect(digests[Number(version)], `migration ${version}`).toBe(digest);
  });

  it('are numbered 1, 2, 3, … without a gap', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
