/**
 * The SQLite store (better-sqlite3): the source of truth (ARCHITECTURE.md,
 * "Persistence and recovery"). WAL mode with synchronous=FULL: once a
 * transaction returned, it survives a crash of the process and of the machine.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PicklineError } from '../../kernel/errors.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

export type Db = Database.Database;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * A prepared statement for `sql`, compiled once per database. Compiling costs
 * 20–60 µs, running a simple one about 1 µs, and a key press runs some twenty:
 * the hot paths (engine, outbox, waves) take their statements from here. Only
 * for fixed SQL text: text built from variable-length lists uses db.prepare.
 */
export function stmt(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let st = cache.get(sql);
  if (!st) {
    st = db.prepare(sql);
    cache.set(sql, st);
  }
  return st;
}

export class Store {
  readonly path: string;
  #db: Db | null = null;

  constructor(path: string) {
    this.path = path;
  }

  get db(): Db {
    if (!this.#db) throw new PicklineError('STORE_FAILURE', 'store is not open');
    return this.#db;
  }

  get isOpen(): boolean {
    return this.#db?.open === true;
  }

  start(migrations: Migration[] = MIGRATIONS): void {
    if (this.#db) return;
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      const db = new Database(this.path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // statement journals (every multi-row insert of a wave has one) and sorts in
      // memory, not in a temporary file: the inserts of a 100,000-line wave took
      // 1.4 s with them in a file, 0.9 s in memory (bench/wave-accept.ts)
      db.pragma('temp_store = MEMORY');
      const before = appliedVersions(db);
      const backup =
        this.path === ':memory:' ? null : backupBeforeMigration(db, this.path, before, migrations);
      try {
        migrate(db, migrations);
      } catch (e) {
        db.close();
        const msg = rollBack(this.path, before, backup, e as Error);
        throw new PicklineError('STORE_FAILURE', msg, [], e);
      }
      this.#db = db;
    } catch (e) {
      if (e instanceof PicklineError) throw e;
      throw new PicklineError(
        'STORE_FAILURE',
        `cannot open store ${this.path}: ${(e as Error).message}`,
        [],
        e,
      );
    }
  }

  stop(): void {
    const db = this.#db;
    this.#db = null;
    if (db?.open) db.close();
  }

  /** Runs `fn` in one IMMEDIATE transaction: all of it is stored or none. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  schemaVersion(): number {
    return (
      (
        this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
          v: number | null;
        }
      ).v ?? 0
    );
  }
}

function appliedVersions(db: Db): Set<number> {
  const has = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (!has) return new Set();
  return new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
}

/**
 * Upgrades (README "Running as a service"): before a migration runs on a store
 * that holds data, the store is copied next to itself as
 * `<store>.pre-v<target>-<stamp>.bak` (VACUUM INTO: one consistent file;
 * nothing else runs yet). Returns its path, or null when nothing is pending
 * or the store is new.
 */
function backupBeforeMigration(
  db: Db,
  path: string,
  done: Set<number>,
  migrations: Migration[],
): string | null {
  const pending = migrations.filter((m) => !done.has(m.version));
  if (done.size === 0 || pending.length === 0) return null;
  const target = Math.max(...pending.map((m) => m.version));
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const file = `${path}.pre-v${target}-${stamp}.bak`;
  db.prepare('VACUUM INTO ?').run(file);
  return file;
}

/**
 * After a failed migration: the failing one was rolled back by its
 * transaction; migrations of this run that had committed are undone by
 * putting the pre-migration copy back. Returns the message naming the copy.
 */
function rollBack(path: string, before: Set<number>, backup: string | null, e: Error): string {
  let how = 'the store is as it was';
  try {
    const db = new Database(path, { fileMustExist: true });
    const done = appliedVersions(db);
    db.close();
    if (done.size !== before.size && !backup) how = 'the new store is partly migrated';
    if (done.size !== before.size && backup) {
      const temp = `${path}.rollback`;
      copyFileSync(backup, temp);
      for (const f of [`${path}-wal`, `${path}-shm`]) if (existsSync(f)) rmSync(f);
      renameSync(temp, path);
      how = 'the store was put back as it was from the backup';
    }
  } catch (r) {
    how = `putting the store back failed too (${(r as Error).message}): restore the backup with pickline restore`;
  }
  return `upgrade of store ${path} failed: ${e.message}; ${how}${
    backup ? ` (a copy made before the upgrade is at ${backup})` : ''
  }`;
}

export function migrate(db: Db, migrations: Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    const fk = m.rebuildsReferencedTables === true && db.pragma('foreign_keys', { simple: true });
    if (fk) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0)
          throw new Error(`migration ${m.version} breaks ${broken.length} foreign key(s)`);
        record.run(m.version, m.name, new Date().toISOString());
      }).immediate();
    } finally {
      if (fk) db.pragma('foreign_keys = ON');
    }
  }
}
