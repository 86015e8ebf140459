/**
 * `pickline restore FILE`: a backup onto a stopped controller's store
 * (README "Running as a service"). Refused, with the store untouched: while
 * the store's lock is held (a controller runs on it), a file that is not a
 * Pickline store or is damaged (integrity_check), a store newer than this
 * code. The copy is checked and given a new epoch (controller/store/epoch.ts)
 * before it replaces the store; the replaced store is kept beside it as
 * `<store>.replaced-<stamp>` (with its -wal), never deleted.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PicklineError } from '../../kernel/errors.ts';
import { exists, syncDir } from './backup.ts';
import { nextEpoch, readEpoch, type StoreEpoch, writeEpoch } from './epoch.ts';
import { InstanceLock } from './lock.ts';
import { MIGRATIONS } from './migrations.ts';

/** The schema version this code writes. */
export const CODE_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

export interface StoreFacts {
  schemaVersion: number;
  storeId: string;
  epoch: number;
  lastSeq: number;
}

export interface RestoreResult extends StoreFacts {
  store: string;
  from: string;
  /** the epoch the restored store starts */
  newEpoch: StoreEpoch;
  /** where the store that was there went, if there was one */
  replaced: string | null;
}

/** Facts of an open store, or RESTORE_REFUSED naming what is wrong. */
export function storeFacts(db: Database.Database, file: string, full = true): StoreFacts {
  const refuse = (why: string): never => {
    throw new PicklineError('RESTORE_REFUSED', `${file}: ${why}`);
  };
  let tables: Set<string>;
  try {
    tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]
      ).map((r) => r.name),
    );
  } catch (e) {
    return refuse(`not a SQLite database (${(e as Error).message})`);
  }
  for (const t of ['schema_migrations', 'meta', 'events', 'lines'])
    if (!tables.has(t)) refuse(`not a Pickline store (no table ${t})`);
  const e = readEpoch(db);
  if (!e.storeId) refuse('not a Pickline store (no store id)');
  const schemaVersion =
    (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null })
      .v ?? 0;
  if (schemaVersion > CODE_SCHEMA_VERSION)
    refuse(
      `store schema v${schemaVersion} is newer than this Pickline (v${CODE_SCHEMA_VERSION}): upgrade Pickline first`,
    );
  if (full) {
    const check = db.pragma('integrity_check') as { integrity_check: string }[];
    if (check[0]?.integrity_check !== 'ok')
      refuse(`damaged: integrity_check says ${check.map((r) => r.integrity_check).join('; ')}`);
  }
  const lastSeq = (
    db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number }
  ).s;
  return { schemaVersion, storeId: e.storeId, epoch: e.epoch, lastSeq };
}

/** The highest seq the store now at `path` used (0 when missing or unreadable). */
function lastSeqOf(path: string): number {
  if (!exists(path)) return 0;
  try {
    const db = new Database(path, { fileMustExist: true });
    try {
      const e = readEpoch(db);
      const s = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number })
        .s;
      return Math.max(s, e.seqBase);
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

export function restoreStore(storePath: string, file: string): RestoreResult {
  const store = resolve(storePath);
  const from = resolve(file);
  if (!exists(from)) throw new PicklineError('RESTORE_REFUSED', `${from}: no such file`);
  const lock = new InstanceLock(store);
  lock.acquire(); // STORE_FAILURE "in use by another Pickline controller" while one runs
  const temp = `${store}.restoring-${randomBytes(4).toString('hex')}`;
  try {
    copyFileSync(from, temp);
    let facts: StoreFacts;
    let epoch: StoreEpoch;
    let db: Database.Database;
    try {
      db = new Database(temp, { fileMustExist: true });
    } catch (e) {
      throw new PicklineError('RESTORE_REFUSED', `${from}: cannot open (${(e as Error).message})`);
    }
    try {
      facts = storeFacts(db, from);
      // above every seq of the backup and of the store it replaces (WMS readers may hold either)
      epoch = nextEpoch(readEpoch(db), Math.max(facts.lastSeq, lastSeqOf(store)));
      writeEpoch(db, epoch, from);
      db.pragma('journal_mode = WAL'); // as the store runs; closing checkpoints the copy
    } finally {
      db.close();
    }
    let replaced: string | null = null;
    if (exists(store)) {
      replaced = `${store}.replaced-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      renameSync(store, replaced);
      if (exists(`${store}-wal`)) renameSync(`${store}-wal`, `${replaced}-wal`);
    }
    if (exists(`${store}-shm`)) unlinkSync(`${store}-shm`);
    for (const f of [`${temp}-wal`, `${temp}-shm`]) if (exists(f)) unlinkSync(f);
    renameSync(temp, store);
    syncDir(dirname(store));
    return { ...facts, store, from, newEpoch: epoch, replaced };
  } finally {
    for (const f of [temp, `${temp}-wal`, `${temp}-shm`, `${temp}-journal`])
      if (exists(f)) unlinkSync(f);
    lock.release();
  }
}
