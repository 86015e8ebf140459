/**
 * The exceptions desk (CONTRACTS.md §7 "Exceptions"): what went wrong on the
 * floor and who is handling it. Anything in the controller raises one through
 * `raise()` with a cause key; while one is open (open or acknowledged) for a
 * cause, raising it again returns that one (no duplicates). `clear()` resolves
 * it by `system` when the cause is gone (module back, order completed or back
 * on track); people acknowledge and resolve with a note. Every change is
 * stored and appended to the outbox in one transaction (`exception.opened`,
 * `exception.acknowledged`, `exception.resolved`, data = the exception), so
 * the desk survives a restart and the feed, webhooks and the supervisor page
 * see each change once.
 */
import { PicklineError } from '../../kernel/errors.ts';
import type { Outbox } from '../events/outbox.ts';
import type { Store } from '../store/db.ts';
import {
  acknowledgeRow,
  bySeq,
  type ExceptionQuery,
  type ExceptionRow,
  insertException,
  listRows,
  openByCause,
  openCounts,
  resolveRow,
  seqOf,
  toView,
} from './repo.ts';
import {
  DEFAULT_SEVERITY,
  type ExceptionKind,
  type ExceptionSubject,
  type ExceptionView,
  type Severity,
} from './schema.ts';

export interface RaiseInput {
  kind: ExceptionKind;
  /** one open exception per cause: see `causes` */
  cause: string;
  subject: ExceptionSubject;
  message: string;
  severity?: Severity;
}

/** Cause keys of the kinds the controller raises; later raisers (voice rules, message bus) add theirs. */
export const causes = {
  short: (lineId: string) => `short:${lineId}`,
  moduleOffline: (bus: string, address: string | number) => `module-offline:${bus}:${address}`,
  idleSession: (zone: string, orderId: string) => `idle-session:${zone}:${orderId}`,
  orderAtRisk: (orderId: string) => `order-at-risk:${orderId}`,
  orderLate: (orderId: string) => `order-late:${orderId}`,
  wrongCheckDigits: (operator: string) => `wrong-check-digits:${operator}`,
  overPickRefused: (lineId: string) => `over-pick-refused:${lineId}`,
  commandRejected: (messageId: string) => `command-rejected:${messageId}`,
} as const;

export const SYSTEM = 'system';

export class ExceptionDesk {
  readonly #store: Store;
  readonly #outbox: Outbox;

  constructor(d: { store: Store; outbox: Outbox }) {
    this.#store = d.store;
    this.#outbox = d.outbox;
  }

  /** Opens an exception for the cause unless one is open; returns the open one. May run inside a caller's tx. */
  raise(x: RaiseInput, at = new Date()): ExceptionView {
    return this.#store.tx(() => {
      const db = this.#store.db;
      const open = openByCause(db, x.cause);
      if (open) return toView(open);
      const row = insertException(
        db,
        { ...x, severity: x.severity ?? DEFAULT_SEVERITY[x.kind] },
        at.toISOString(),
      );
      return this.#emit('exception.opened', row, at);
    });
  }

  /** The cause is gone: its open exception is resolved by `system`; null when none was open. */
  clear(cause: string, note?: string, at = new Date()): ExceptionView | null {
    return this.#store.tx(() => {
      const db = this.#store.db;
      const open = openByCause(db, cause);
      if (!open) return null;
      resolveRow(db, open.seq, SYSTEM, note ?? null, at.toISOString());
      return this.#emit('exception.resolved', bySeq(db, open.seq)!, at);
    });
  }

  /** Acknowledging an acknowledged exception again changes nothing; a resolved one is 409. */
  acknowledge(exceptionId: string, by: string, at = new Date()): ExceptionView {
    return this.#store.tx(() => {
      const row = this.#row(exceptionId);
      if (row.status === 'resolved') throw resolved(exceptionId);
      if (row.status === 'acknowledged') return toView(row);
      acknowledgeRow(this.#store.db, row.seq, by, at.toISOString());
      return this.#emit('exception.acknowledged', bySeq(this.#store.db, row.seq)!, at);
    });
  }

  resolve(exceptionId: string, by: string, note?: string, at = new Date()): ExceptionView {
    return this.#store.tx(() => {
      const row = this.#row(exceptionId);
      if (row.status === 'resolved') throw resolved(exceptionId);
      resolveRow(this.#store.db, row.seq, by, note ?? null, at.toISOString());
      return this.#emit('exception.resolved', bySeq(this.#store.db, row.seq)!, at);
    });
  }

  get(exceptionId: string): ExceptionView {
    return toView(this.#row(exceptionId));
  }

  list(q: ExceptionQuery): ExceptionView[] {
    return listRows(this.#store.db, q).map(toView);
  }

  /** The open exception of a cause, if any. */
  openFor(cause: string): ExceptionView | null {
    const r = openByCause(this.#store.db, cause);
    return r ? toView(r) : null;
  }

  /** Not resolved, by kind. */
  openCounts(): { kind: ExceptionKind; n: number }[] {
    return this.#store.isOpen ? openCounts(this.#store.db) : [];
  }

  #row(exceptionId: string): ExceptionRow {
    const seq = seqOf(exceptionId);
    const row = seq === null ? undefined : bySeq(this.#store.db, seq);
    if (!row) throw new PicklineError('EXCEPTION_NOT_FOUND', `no exception ${exceptionId}`);
    return row;
  }

  #emit(
    type: 'exception.opened' | 'exception.acknowledged' | 'exception.resolved',
    row: ExceptionRow,
    at: Date,
  ): ExceptionView {
    const v = toView(row);
    this.#outbox.append(type, v as unknown as Record<string, unknown>, at);
    return v;
  }
}

function resolved(exceptionId: string): PicklineError {
  return new PicklineError('EXCEPTION_RESOLVED', `exception ${exceptionId} is already resolved`);
}
