/**
 * Online backup, restore and store epochs (controller/store/backup.ts,
 * restore.ts, epoch.ts): a restore refuses what is not a Pickline store, a
 * newer store, a store in use; a restored store's events never reuse an
 * eventId, even when one backup is restored twice.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../controller/events/outbox.ts';
import { backupStore } from '../../controller/store/backup.ts';
import { Store } from '../../controller/store/db.ts';
import { parseEventId } from '../../controller/store/epoch.ts';
import { InstanceLock } from '../../controller/store/lock.ts';
import { MIGRATIONS } from '../../controller/store/migrations.ts';
import { restoreStore } from '../../controller/store/restore.ts';
import { isPicklineError } from '../../kernel/errors.ts';
import { tempDir } from '../helpers/harness.ts';

function appendEvents(store: Store, n: number): string[] {
  const outbox = new Outbox(store);
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    store.tx(() => ids.push(outbox.append('wave.accepted', { waveId: `W-${i}` }).eventId));
  return ids;
}

function openStore(path: string): Store {
  const s = new Store(path);
  s.start();
  return s;
}

describe('backup and restore of a store', () => {
  let t: ReturnType<typeof tempDir>;
  let a: string;
  beforeEach(() => {
    t = tempDir();
    a = join(t.dir, 'a', 'pickline.db');
  });
  afterEach(() => t.remove());

  it('epoch 0 keeps the e-<storeId>-<seq> id; restored epochs continue at the next million with new ids', async () => {
    const sa = openStore(a);
    const before = appendEvents(sa, 3);
    expect(before[0]).toMatch(/^e-[0-9a-f]{6}-000001$/);
    const bak = join(t.dir, 'one.db');
    const r = await backupStore(a, bak);
    expect(r).toMatchObject({
      path: bak,
      lastSeq: 3,
      epoch: 0,
      schemaVersion: MIGRATIONS[MIGRATIONS.length - 1].version,
    });
    // the old box goes on after the backup: these ids may have reached the WMS
    const lost = appendEvents(sa, 2);
    sa.stop();

    const issued = new Set([...before, ...lost]);
    const seen: string[][] = [];
    for (const box of ['b', 'c']) {
      // the same backup restored on two replacement boxes, one after the other
      const path = join(t.dir, box, 'pickline.db');
      openStore(path).stop();
      const res = restoreStore(path, bak);
      expect(res.newEpoch).toMatchObject({ epoch: 1, seqBase: 1_000_000 });
      const s = openStore(path);
      const outbox = new Outbox(s);
      expect(outbox.read(0, 10).map((e) => e.eventId)).toEqual(before);
      const ids = appendEvents(s, 2);
      expect(outbox.read(3, 10).map((e) => e.seq)).toEqual([1_000_000, 1_000_001]);
      for (const id of ids) {
        expect(issued.has(id)).toBe(false);
        issued.add(id);
        expect(parseEventId(id)).toMatchObject({ epoch: 1, seq: expect.any(Number) });
      }
      seen.push(ids);
      s.stop();
    }
    expect(seen[0]).not.toEqual(seen[1]);
    expect(parseEventId(before[0])).toMatchObject({ epoch: 0, seq: 1 });
  });

  it('a second restore of a restored store goes to the next epoch and above its seqs', async () => {
    const sa = openStore(a);
    appendEvents(sa, 2);
    sa.stop();
    const b = join(t.dir, 'b.db');
    restoreStore(b, a);
    const sb = openStore(b);
    appendEvents(sb, 1);
    sb.stop();
    const bak = join(t.dir, 'b-backup.db');
    const sb2 = openStore(b);
    await backupStore(b, bak);
    sb2.stop();
    const r = restoreStore(b, bak);
    expect(r.replaced).toMatch(/pickline|b\.db\.replaced-/);
    expect(r.newEpoch).toMatchObject({ epoch: 2, seqBase: 2_000_000 });
    const s = openStore(b);
    expect(appendEvents(s, 1)[0]).toMatch(/^e-[0-9a-f]{6}\.2\.[0-9a-f]{6}-2000000$/);
    s.stop();
  });

  it('refuses a file that is not a Pickline store, a newer store, a store in use; the store stays as it was', async () => {
    const sa = openStore(a);
    appendEvents(sa, 1);
    sa.stop();
    const bytes = () => readFileSync(a);
    const original = bytes();
    const refused = (file: string, match: RegExp, code = 'RESTORE_REFUSED') => {
      let err: unknown;
      try {
        restoreStore(a, file);
      } catch (e) {
        err = e;
      }
      expect(isPicklineError(err), String(err)).toBe(true);
      expect((err as { code: string }).code).toBe(code);
      expect((err as Error).message).toMatch(match);
      expect(bytes().equals(original)).toBe(true);
    };

    const text = join(t.dir, 'notes.txt');
    writeFileSync(text, 'not a database at all, just some text\n'.repeat(200));
    refused(text, /not a SQLite database|cannot open/);

    const other = join(t.dir, 'other.db');
    const o = new Database(other);
    o.exec('CREATE TABLE t (x)');
    o.close();
    refused(other, /not a Pickline store/);

    const newer = join(t.dir, 'newer.db');
    const sn = openStore(newer);
    sn.db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')").run();
    sn.stop();
    refused(newer, /v99 is newer than this Pickline/);

    refused(join(t.dir, 'missing.db'), /no such file/);

    const good = join(t.dir, 'good.db');
    const sa2 = openStore(a);
    await backupStore(a, good);
    sa2.stop();
    const lock = new InstanceLock(a);
    lock.acquire();
    try {
      refused(good, /in use by another Pickline controller/, 'STORE_FAILURE');
    } finally {
      lock.release();
    }
  });

  it('a backup never overwrites a file and refuses relative paths and the store itself', async () => {
    const sa = openStore(a);
    try {
      const existing = join(t.dir, 'exists.db');
      writeFileSync(existing, 'keep me');
      for (const [target, why] of [
        [existing, /exists/],
        ['relative.db', /absolute/],
        [a, /the store itself/],
        [join(t.dir, 'nodir', 'x.db'), /no directory/],
      ] as const) {
        await expect(backupStore(a, target)).rejects.toMatchObject({
          code: 'BACKUP_REFUSED',
          message: expect.stringMatching(why),
        });
      }
      expect(readFileSync(existing, 'utf8')).toBe('keep me');
    } finally {
      sa.stop();
    }
  });
});
