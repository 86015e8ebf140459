/**
 * One controller per database (and so per set of buses): an exclusive SQLite
 * lock on `<db>.lock`, held from start until stop. The operating system drops
 * it when the process dies, so a crash (even SIGKILL) never leaves a stale
 * lock behind, and the next start takes it over.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PicklineError } from '../../kernel/errors.ts';

export class InstanceLock {
  readonly path: string;
  #db: Database.Database | null = null;

  /** `dbPath`: the store's file; `:memory:` needs no lock. */
  constructor(dbPath: string) {
    this.path = dbPath === ':memory:' ? '' : `${dbPath}.lock`;
  }

  get held(): boolean {
    return this.#db !== null;
  }

  /** Takes the lock or throws STORE_FAILURE naming the database; idempotent. */
  acquire(): void {
    if (this.#db || !this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path, { timeout: 0 });
    try {
      // EXCLUSIVE locking mode keeps the write lock after the first write commits
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER, started TEXT)');
      db.exec('BEGIN EXCLUSIVE');
      db.prepare('DELETE FROM owner').run();
      db.prepare('INSERT INTO owner VALUES (?, ?)').run(process.pid, new Date().toISOString());
      db.exec('COMMIT');
    } catch (e) {
      db.close();
      const busy = (e as { code?: string }).code?.startsWith('SQLITE_BUSY');
      throw new PicklineError(
        'STORE_FAILURE',
        busy
          ? `database ${this.path.slice(0, -'.lock'.length)} is in use by another Pickline controller (lock ${this.path}); stop it first`
          : `cannot take the lock ${this.path}: ${(e as Error).message}`,
        [],
        e,
      );
    }
    this.#db = db;
  }

  /** Releases the lock; idempotent. */
  release(): void {
    const db = this.#db;
    this.#db = null;
    if (db?.open) db.close();
  }
}
