/**
 * PATCH of due times and priorities (CONTRACTS.md §7 "Due times"): on a wave
 * its default dueAt and its priority (orders with their own keep them), on an
 * order its own values (null: its wave's again). Only while open; unknown ids
 * 404, closed 409, bad values 400 INVALID_REQUEST; one transaction, so nothing
 * changes on error. The body hash a re-POST is compared with is never touched.
 */
import { describeAjvError, makeAjv } from '../../config/validate.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Outbox } from '../events/outbox.ts';
import { type Store, stmt } from '../store/db.ts';
import { DUE_MESSAGE, normaliseDue } from './due.ts';
import { refreshOrderKeys, refreshWaveKeys } from './repo.ts';
import { PatchBody } from './schema.ts';

const checkPatch = makeAjv().compile<PatchBody>(PatchBody);
type Meta = { messageId?: string | null };
const withMessageId = (meta: Meta) =>
  meta.messageId === undefined ? {} : { messageId: meta.messageId };

/** `following`: the open orders without their own dueAt (they follow the wave's). */
export function patchWave(
  store: Store,
  outbox: Outbox,
  waveId: string,
  body: unknown,
  meta: Meta,
  nowMs: number,
): { dueChanged: boolean; following: string[] } {
  const p = checkBody(body);
  if (p.priority === null)
    throw new PicklineError('INVALID_REQUEST', 'a wave keeps a priority: give a number', [
      { path: '/priority', message: 'must be an integer for a wave' },
    ]);
  return store.tx(() => {
    const w = stmt(store.db, 'SELECT status, due_at, priority FROM waves WHERE id = ?').get(
      waveId,
    ) as { status: string; due_at: string | null; priority: number } | undefined;
    if (!w) throw new PicklineError('WAVE_NOT_FOUND', `no wave ${waveId}`);
    if (w.status === 'completed' || w.status === 'cancelled')
      throw new PicklineError('WAVE_CLOSED', `wave ${waveId} is ${w.status}`);
    const dueAt = p.dueAt === undefined ? w.due_at : p.dueAt;
    const priority = p.priority ?? w.priority;
    stmt(store.db, 'UPDATE waves SET due_at = ?, priority = ?, updated_at = ? WHERE id = ?').run(
      dueAt,
      priority,
      new Date(nowMs).toISOString(),
      waveId,
    );
    refreshWaveKeys(store.db, waveId);
    outbox.append('wave.updated', { waveId, dueAt, priority, ...withMessageId(meta) });
    const dueChanged = dueAt !== w.due_at;
    const following = dueChanged
      ? (stmt(
          store.db,
          "SELECT id FROM orders WHERE wave_id = ? AND due_at IS NULL AND status IN ('open','active')",
        )
          .pluck()
          .all(waveId) as string[])
      : [];
    return { dueChanged, following };
  });
}

export function patchOrder(
  store: Store,
  outbox: Outbox,
  orderId: string,
  body: unknown,
  meta: Meta,
  nowMs: number,
): { dueChanged: boolean } {
  const p = checkBody(body);
  return store.tx(() => {
    const o = stmt(
      store.db,
      `SELECT o.wave_id, o.status, o.due_at, o.priority, w.due_at AS wave_due, w.priority AS wave_priority
         FROM orders o JOIN waves w ON w.id = o.wave_id WHERE o.id = ?`,
    ).get(orderId) as
      | {
          wave_id: string;
          status: string;
          due_at: string | null;
          priority: number | null;
          wave_due: string | null;
          wave_priority: number;
        }
      | undefined;
    if (!o) throw new PicklineError('ORDER_NOT_FOUND', `no order ${orderId}`);
    if (o.status === 'completed' || o.status === 'cancelled')
      throw new PicklineError('ORDER_CLOSED', `order ${orderId} is ${o.status}`);
    const dueAt = p.dueAt === undefined ? o.due_at : p.dueAt;
    const priority = p.priority === undefined ? o.priority : p.priority;
    stmt(store.db, 'UPDATE orders SET due_at = ?, priority = ?, updated_at = ? WHERE id = ?').run(
      dueAt,
      priority,
      new Date(nowMs).toISOString(),
      orderId,
    );
    refreshOrderKeys(store.db, orderId);
    outbox.append('order.updated', {
      waveId: o.wave_id,
      orderId,
      dueAt: dueAt ?? o.wave_due,
      priority: priority ?? o.wave_priority,
      ...withMessageId(meta),
    });
    return { dueChanged: (dueAt ?? o.wave_due) !== (o.due_at ?? o.wave_due) };
  });
}

/** The body, dueAt normalised to UTC; INVALID_REQUEST with one detail per problem. */
function checkBody(body: unknown): { dueAt?: string | null; priority?: number | null } {
  if (!checkPatch(body))
    throw new PicklineError(
      'INVALID_REQUEST',
      'the body must be {"dueAt"?, "priority"?} with at least one of them',
      (checkPatch.errors ?? []).map(describeAjvError),
    );
  const out: { dueAt?: string | null; priority?: number | null } = {};
  if (body.dueAt !== undefined) {
    const due = body.dueAt === null ? null : normaliseDue(body.dueAt);
    if (due === null && body.dueAt !== null)
      throw new PicklineError('INVALID_REQUEST', `dueAt ${DUE_MESSAGE}`, [
        { path: '/dueAt', message: DUE_MESSAGE },
      ]);
    out.dueAt = due;
  }
  if (body.priority !== undefined) out.priority = body.priority;
  return out;
}
