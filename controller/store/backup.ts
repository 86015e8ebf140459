/**
 * Online backups of the running controller's store (README "Running as a
 * service", docs/contract-extensions.md "Backups, restores and store epochs").
 *
 * How it stays off the floor's way: the copy runs in a worker thread on its
 * own read-only connection, with SQLite's backup API in ONE step. In WAL mode
 * a reader holds a snapshot while the floor's connection keeps committing, so
 * the copy is consistent as of the moment it began and is never restarted by
 * a write (a step-by-step copy from a second connection restarts at every
 * write and never ends while presses happen). The event loop only posts and
 * receives two messages. The file appears under its final name only when it
 * is complete and synced (written as `<target>.partial-…`, then linked: an
 * existing file is never overwritten).
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fdatasync,
  fsyncSync,
  linkSync,
  openSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PicklineError } from '../../kernel/errors.ts';

export interface BackupResult {
  path: string;
  bytes: number;
  ms: number;
  schemaVersion: number;
  storeId: string;
  epoch: number;
  /** the highest event seq in the copy */
  lastSeq: number;
  createdAt: string;
}

const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(w.module);
(async () => {
  const src = new Database(w.source, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    // rate 0x7fffffff: every page in one step, under one read snapshot
    await src.backup(w.temp, { progress: () => 0x7fffffff });
  } finally {
    src.close();
  }
  const dst = new Database(w.temp);
  let facts;
  try {
    dst.pragma('journal_mode = DELETE'); // one self-contained file
    const meta = new Map(dst.prepare('SELECT key, value FROM meta').all().map((r) => [r.key, r.value]));
    facts = {
      schemaVersion: dst.prepare('SELECT MAX(version) AS v FROM schema_migrations').get().v ?? 0,
      storeId: meta.get('store_id') ?? '',
      epoch: Number(meta.get('epoch') ?? 0),
      lastSeq: dst.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get().s,
    };
  } finally {
    dst.close();
  }
  const fd = fs.openSync(w.temp, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  parentPort.postMessage({ ok: true, facts });
})().catch((e) => parentPort.postMessage({ ok: false, message: String(e && e.message || e) }));
`;

const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');

/** Refuses a target that is relative, exists, lies in a missing directory, or is one of the store's files. */
export function checkTarget(storePath: string, target: string): string {
  const refuse = (why: string) => {
    throw new PicklineError('BACKUP_REFUSED', `backup target ${target}: ${why}`);
  };
  if (!isAbsolute(target)) refuse('give an absolute path');
  const t = resolve(target);
  const store = resolve(storePath);
  if ([store, `${store}-wal`, `${store}-shm`, `${store}.lock`].includes(t))
    refuse('that is the store itself');
  if (exists(t)) refuse('the file exists (a backup never overwrites one)');
  const dir = dirname(t);
  if (!exists(dir) || !statSync(dir).isDirectory()) refuse(`no directory ${dir}`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    refuse(`the controller may not write to ${dir}`);
  }
  return t;
}

/**
 * A consistent copy of the store at `storePath` (open elsewhere by the
 * controller) into `target`. `signal` aborts it (the controller stops): the
 * worker is ended and its partial file removed.
 */
export async function backupStore(
  storePath: string,
  target: string,
  signal?: AbortSignal,
): Promise<BackupResult> {
  if (storePath === ':memory:')
    throw new PicklineError('BACKUP_REFUSED', 'an in-memory store cannot be backed up');
  const path = checkTarget(storePath, target);
  const temp = `${path}.partial-${randomBytes(4).toString('hex')}`;
  const started = performance.now();
  try {
    const facts = await runWorker({ module: sqliteModule, source: storePath, temp }, signal);
    try {
      linkSync(temp, path); // fails with EEXIST rather than replace a file made meanwhile
    } catch (e) {
      throw new PicklineError(
        'BACKUP_REFUSED',
        `backup target ${path}: ${(e as Error).message}`,
        [],
        e,
      );
    }
    syncDir(dirname(path));
    return {
      path,
      bytes: statSync(path).size,
      ms: Math.round(performance.now() - started),
      ...facts,
      createdAt: new Date().toISOString(),
    };
  } catch (e) {
    if (e instanceof PicklineError) throw e;
    throw new PicklineError(
      'BACKUP_FAILED',
      `backup to ${path} failed: ${(e as Error).message}`,
      [],
      e,
    );
  } finally {
    for (const f of [temp, `${temp}-journal`]) if (exists(f)) unlinkSync(f);
  }
}

type Facts = Pick<BackupResult, 'schemaVersion' | 'storeId' | 'epoch' | 'lastSeq'>;

function runWorker(
  data: { module: string; source: string; temp: string },
  signal?: AbortSignal,
): Promise<Facts> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(new Error('aborted: the controller is stopping'));
    const w = new Worker(WORKER, { eval: true, workerData: data });
    const flusher = new CopyFlusher(data.temp);
    w.once('exit', () => flusher.stop());
    let settled = false;
    const abort = () => {
      settled = true;
      // a step under way ends first (SQLite's backup cannot be interrupted); then
      // the worker is gone and the caller removes its partial file
      void w.terminate().finally(() => reject(new Error('aborted: the controller is stopping')));
    };
    signal?.addEventListener('abort', abort, { once: true });
    w.once('exit', () => signal?.removeEventListener('abort', abort));
    w.once('message', (m: { ok: boolean; facts?: Facts; message?: string }) => {
      settled = true;
      if (m.ok) resolvePromise(m.facts as Facts);
      else reject(new Error(m.message));
    });
    w.once('error', (e) => {
      settled = true;
      reject(e);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`backup worker exited with code ${code}`));
    });
  });
}

/**
 * Keeps the copy's unwritten pages few while the worker writes it: every
 * FLUSH_MS an fdatasync of the partial file runs on libuv's thread pool (never
 * on the event loop). Without it the copy of a large store piles up hundreds
 * of MB of dirty pages, and the floor's own commit (an fsync of the WAL, same
 * file system) waited behind their write-back: 439 ms for one press commit
 * during a 900 MB backup (bench/backup.ts) against 36 ms without a backup.
 */
const FLUSH_MS = 10;

class CopyFlusher {
  readonly #path: string;
  #fd: number | null = null;
  #busy = false;
  #timer: NodeJS.Timeout;

  constructor(path: string) {
    this.#path = path;
    this.#timer = setInterval(() => this.#tick(), FLUSH_MS);
    this.#timer.unref();
  }

  #tick(): void {
    if (this.#busy) return;
    if (this.#fd === null) {
      try {
        this.#fd = openSync(this.#path, 'r');
      } catch {
        return; // not created yet
      }
    }
    this.#busy = true;
    const fd = this.#fd;
    fdatasync(fd, () => {
      this.#busy = false;
      if (this.#stopped) closeSync(fd);
    });
  }

  #stopped = false;

  /** Ends the flushing; the file is closed once no fdatasync is under way on it. */
  stop(): void {
    clearInterval(this.#timer);
    this.#stopped = true;
    if (this.#fd !== null && !this.#busy) closeSync(this.#fd);
  }
}

export function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Makes a rename or link in `dir` durable (POSIX: fsync the directory). */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not every file system lets a directory be synced; the data itself is synced
  }
}

/** `pickline-<site>-<UTC stamp>.db`: sortable by name, so the oldest is pruned first. */
export function scheduledName(site: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `pickline-${site.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}.db`;
}

export function isScheduledName(site: string, name: string): boolean {
  const prefix = basename(scheduledName(site, new Date(0))).slice(
    0,
    -'19700101T000000000Z.db'.length,
  );
  return name.startsWith(prefix) && /^\d{8}T\d{9}Z\.db$/.test(name.slice(prefix.length));
}
