/**
 * The SQLite store (better-sqlite3): the source of truth (ARCHITECTURE.md,
 * "Persistence and recovery"). WAL mode with synchronous=FULL: once a
 * transaction returned, it survives a crash of the process and of the machine.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PicklineError } from '../../config/errors.ts';
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
      migrate(db, migrations);
      this.#db = db;
    } catch (e) {
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
