/**
 * Store epochs (docs/contract-extensions.md "Backups, restores and store
 * epochs"). A store that was never restored is in epoch 0 and its events keep
 * the original id `e-<storeId>-<seq>` (seq zero-padded to 6 digits). Every
 * restore starts a new epoch: a number one above the backup's, a random tag
 * (two restores of one backup get different tags), and a `seq` base at the
 * next multiple of 1,000,000 above every seq the store had, so `after=<seq>`
 * readers keep going across the gap. Events of epoch n ≥ 1 are
 * `e-<storeId>.<n>.<tag>-<seq>`: never an id an earlier box may have issued.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

export const EPOCH_SEQ_STEP = 1_000_000;

export interface StoreEpoch {
  storeId: string;
  /** 0 = never restored */
  epoch: number;
  /** random hex chosen at the restore ('' in epoch 0) */
  tag: string;
  /** the first seq of this epoch (0 in epoch 0: no floor) */
  seqBase: number;
}

export function readEpoch(db: Database.Database): StoreEpoch {
  const rows = db
    .prepare("SELECT key, value FROM meta WHERE key IN ('store_id','epoch','epoch_tag','seq_base')")
    .all() as { key: string; value: string }[];
  const m = new Map(rows.map((r) => [r.key, r.value]));
  return {
    storeId: m.get('store_id') ?? '',
    epoch: Number(m.get('epoch') ?? 0),
    tag: m.get('epoch_tag') ?? '',
    seqBase: Number(m.get('seq_base') ?? 0),
  };
}

export function formatEventId(e: StoreEpoch, seq: number): string {
  return e.epoch === 0
    ? `e-${e.storeId}-${String(seq).padStart(6, '0')}`
    : `e-${e.storeId}.${e.epoch}.${e.tag}-${seq}`;
}

/** Reads both forms; null for anything else. */
export function parseEventId(
  id: string,
): { storeId: string; epoch: number; tag: string; seq: number } | null {
  const m = /^e-([0-9a-f]+)(?:\.(\d+)\.([0-9a-f]+))?-(\d+)$/.exec(id);
  if (!m) return null;
  return { storeId: m[1], epoch: Number(m[2] ?? 0), tag: m[3] ?? '', seq: Number(m[4]) };
}

/** The epoch a restore writes: `lastSeq` is the highest seq any copy of this store is known to have used. */
export function nextEpoch(current: StoreEpoch, lastSeq: number): StoreEpoch {
  const top = Math.max(lastSeq, current.seqBase);
  return {
    storeId: current.storeId,
    epoch: current.epoch + 1,
    tag: randomBytes(3).toString('hex'),
    seqBase: (Math.floor(top / EPOCH_SEQ_STEP) + 1) * EPOCH_SEQ_STEP,
  };
}

export function writeEpoch(db: Database.Database, e: StoreEpoch, from: string): void {
  const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    put.run('epoch', String(e.epoch));
    put.run('epoch_tag', e.tag);
    put.run('seq_base', String(e.seqBase));
    put.run('restored_at', new Date().toISOString());
    put.run('restored_from', from);
  })();
}
