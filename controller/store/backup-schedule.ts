/**
 * The controller's backups: on request (the technician route, `pickline
 * backup FILE`) and on the schedule `storage.backups: {dir, everyMinutes,
 * keep}`. One backup at a time (a second request is 409 BACKUP_IN_PROGRESS;
 * a scheduled one due meanwhile is skipped). After each scheduled backup only
 * the newest `keep` scheduled files of this site stay in `dir`; files of
 * other names there are never touched.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PicklineError } from '../../kernel/errors.ts';
import { type BackupResult, backupStore, isScheduledName, scheduledName } from './backup.ts';

export interface BackupSchedule {
  dir: string;
  everyMinutes: number;
  keep: number;
}

export interface BackupFile {
  name: string;
  path: string;
  bytes: number;
  modifiedAt: string;
}

export class Backups {
  readonly #storePath: string;
  readonly #site: string;
  readonly #schedule: BackupSchedule | undefined;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<BackupResult> | null = null;
  #abort = new AbortController();

  constructor(opts: {
    storePath: string;
    site: string;
    schedule?: BackupSchedule;
    logger: Logger;
    /** tests: the schedule's period in ms instead of everyMinutes */
    intervalMs?: number;
  }) {
    this.#storePath = opts.storePath;
    this.#site = opts.site;
    this.#schedule = opts.schedule;
    this.#log = opts.logger;
    this.#intervalMs = opts.intervalMs ?? (opts.schedule?.everyMinutes ?? 0) * 60_000;
  }

  get schedule(): BackupSchedule | undefined {
    return this.#schedule;
  }

  start(): void {
    if (this.#abort.signal.aborted) this.#abort = new AbortController();
    if (!this.#schedule || this.#timer) return;
    this.#timer = setInterval(() => void this.runScheduled(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the schedule and ends a backup under way (its partial file is removed). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#abort.abort();
    await this.#running?.catch(() => {});
  }

  /** A backup into `target` (absolute), or a scheduled-style name in `storage.backups.dir`. */
  async backup(target?: string): Promise<BackupResult> {
    if (this.#running) throw new PicklineError('BACKUP_IN_PROGRESS', 'a backup is already running');
    const dir = this.#schedule?.dir;
    if (target === undefined && !dir)
      throw new PicklineError(
        'BACKUP_REFUSED',
        'give a target path, or configure storage.backups.dir for backups without one',
      );
    const path = target ?? join(dir as string, scheduledName(this.#site));
    this.#running = backupStore(this.#storePath, path, this.#abort.signal);
    try {
      const r = await this.#running;
      this.#log.info(
        { path: r.path, bytes: r.bytes, ms: r.ms, lastSeq: r.lastSeq },
        'store backed up',
      );
      return r;
    } finally {
      this.#running = null;
    }
  }

  /** One scheduled run: a backup into `dir`, then prune to `keep`. Never throws. */
  async runScheduled(): Promise<BackupResult | null> {
    if (!this.#schedule || this.#running) return null;
    try {
      const r = await this.backup();
      this.#prune();
      return r;
    } catch (e) {
      this.#log.error({ err: (e as Error).message }, 'scheduled backup failed');
      return null;
    }
  }

  /** The scheduled backups in `dir`, oldest first. */
  list(): BackupFile[] {
    const dir = this.#schedule?.dir;
    if (!dir) return [];
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => isScheduledName(this.#site, n))
      .sort()
      .map((name) => {
        const path = join(dir, name);
        const st = statSync(path);
        return { name, path, bytes: st.size, modifiedAt: st.mtime.toISOString() };
      });
  }

  #prune(): void {
    const files = this.list();
    const keep = this.#schedule?.keep ?? files.length;
    for (const f of files.slice(0, Math.max(0, files.length - keep))) {
      try {
        unlinkSync(f.path);
      } catch (e) {
        this.#log.warn({ path: f.path, err: (e as Error).message }, 'cannot remove old backup');
      }
    }
  }
}
