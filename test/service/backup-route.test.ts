/**
 * Backups through the running controller (api/routes/backups.ts,
 * controller/store/backup-schedule.ts): `POST /technician/backups` needs the
 * technician role and refuses unusable targets with nothing written; the
 * schedule `storage.backups` keeps the newest `keep` files of this site and
 * leaves other files in the directory alone.
 */

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScheduledName } from '../../controller/store/backup.ts';
import { Backups } from '../../controller/store/backup-schedule.ts';
import { MIGRATIONS } from '../../controller/store/migrations.ts';
import { auth } from '../helpers/harness.ts';
import { type LiveController, liveController } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

let live: LiveController;
let dir: string;
beforeAll(async () => {
  live = await liveController();
  dir = join(live.c.config.storage.path, '..', 'backups');
  mkdirSync(dir);
});
afterAll(async () => live?.stop());

const post = (role: Parameters<typeof auth>[0], body: unknown) =>
  fetch(`${live.url}/api/v1/technician/backups`, {
    method: 'POST',
    headers: { ...auth(role), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /technician/backups', () => {
  it('writes a consistent copy for a technician', async () => {
    const path = join(dir, 'by-hand.db');
    const res = await post('technician', { path });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      path,
      schemaVersion: MIGRATIONS[MIGRATIONS.length - 1].version,
      epoch: 0,
    });
    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
  });

  it('refuses other roles and unusable targets, writing nothing', async () => {
    expect((await post('operator', { path: join(dir, 'op.db') })).status).toBe(403);
    for (const [path, status, code] of [
      ['relative.db', 422, 'BACKUP_REFUSED'],
      [join(dir, 'by-hand.db'), 422, 'BACKUP_REFUSED'],
      [live.c.config.storage.path, 422, 'BACKUP_REFUSED'],
      [join(dir, 'missing', 'x.db'), 422, 'BACKUP_REFUSED'],
    ] as const) {
      const res = await post('technician', { path });
      expect(res.status, path).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    // no target and no storage.backups.dir
    expect((await post('technician', {})).status).toBe(422);
    expect(readdirSync(dir).sort()).toEqual(['by-hand.db']);
  });

  it('runs one backup at a time (409 BACKUP_IN_PROGRESS)', async () => {
    const [a, b] = await Promise.all([
      post('technician', { path: join(dir, 'one.db') }),
      post('technician', { path: join(dir, 'two.db') }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
  });
});

describe('scheduled backups (storage.backups)', () => {
  it('keeps the newest `keep` files of the site and nothing else is touched', async () => {
    const sched = join(dir, 'scheduled');
    mkdirSync(sched);
    writeFileSync(join(sched, 'notes.txt'), 'not a backup');
    writeFileSync(join(sched, 'pickline-OTHER-20200101T000000000Z.db'), 'another site');
    const backups = new Backups({
      storePath: live.c.config.storage.path,
      site: live.c.config.site,
      schedule: { dir: sched, everyMinutes: 1, keep: 3 },
      logger: pino({ level: 'silent' }),
      intervalMs: 150,
    });
    const ours = () => readdirSync(sched).filter((n) => isScheduledName(live.c.config.site, n));
    const made: string[] = [];
    backups.start();
    try {
      await until(
        () => {
          for (const n of ours()) if (!made.includes(n)) made.push(n);
          return made.length >= 5;
        },
        'five scheduled backups',
        30_000,
      );
    } finally {
      await backups.stop();
    }
    const left = ours().sort();
    expect(left).toHaveLength(3);
    expect(left).toEqual(made.sort().slice(-3)); // the newest ones
    expect(readdirSync(sched)).toEqual(
      expect.arrayContaining(['notes.txt', 'pickline-OTHER-20200101T000000000Z.db']),
    );
    expect(readdirSync(sched).filter((n) => n.includes('.partial-'))).toEqual([]);
    expect(backups.list().map((f) => f.name)).toEqual(left);
  });

  it('a stop ends a backup under way and leaves no partial file', async () => {
    const d = join(dir, 'aborted');
    mkdirSync(d);
    const backups = new Backups({
      storePath: live.c.config.storage.path,
      site: live.c.config.site,
      schedule: { dir: d, everyMinutes: 60, keep: 3 },
      logger: pino({ level: 'silent' }),
    });
    const running = backups.backup(join(d, 'never.db'));
    await backups.stop();
    await expect(running).rejects.toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringMatching(/aborted: the controller is stopping/),
    });
    expect(readdirSync(d)).toEqual([]);
  });
});
