/** SQL of the exceptions desk (store migration 8). Callers run writes inside `store.tx()`. */
import { type Db, stmt } from '../store/db.ts';
import type {
  ExceptionKind,
  ExceptionStatus,
  ExceptionSubject,
  ExceptionView,
  Severity,
} from './schema.ts';

export interface ExceptionRow {
  seq: number;
  kind: ExceptionKind;
  severity: Severity;
  cause: string;
  opened_at: string;
  subject: string;
  zone: string | null;
  message: string;
  status: ExceptionStatus;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  note: string | null;
}

export function toView(r: ExceptionRow): ExceptionView {
  const v: ExceptionView = {
    exceptionId: `x-${r.seq}`,
    kind: r.kind,
    severity: r.severity,
    openedAt: r.opened_at,
    subject: JSON.parse(r.subject) as ExceptionSubject,
    message: r.message,
    status: r.status,
  };
  if (r.acknowledged_by !== null) v.acknowledgedBy = r.acknowledged_by;
  if (r.acknowledged_at !== null) v.acknowledgedAt = r.acknowledged_at;
  if (r.resolved_by !== null) v.resolvedBy = r.resolved_by;
  if (r.resolved_at !== null) v.resolvedAt = r.resolved_at;
  if (r.note !== null) v.note = r.note;
  return v;
}

/** `x-<n>` → n; null for anything else. */
export function seqOf(exceptionId: string): number | null {
  const m = /^x-([1-9][0-9]{0,15})$/.exec(exceptionId);
  return m ? Number(m[1]) : null;
}

export function bySeq(db: Db, seq: number): ExceptionRow | undefined {
  return stmt(db, 'SELECT * FROM exceptions WHERE seq = ?').get(seq) as ExceptionRow | undefined;
}

export function openByCause(db: Db, cause: string): ExceptionRow | undefined {
  return stmt(db, "SELECT * FROM exceptions WHERE cause = ? AND status <> 'resolved'").get(cause) as
    | ExceptionRow
    | undefined;
}

export function insertException(
  db: Db,
  x: {
    kind: ExceptionKind;
    severity: Severity;
    cause: string;
    subject: ExceptionSubject;
    message: string;
  },
  at: string,
): ExceptionRow {
  const r = stmt(
    db,
    `INSERT INTO exceptions (kind, severity, cause, opened_at, subject, zone, message, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`,
  ).run(
    x.kind,
    x.severity,
    x.cause,
    at,
    JSON.stringify(x.subject),
    x.subject.zone ?? null,
    x.message,
  );
  return bySeq(db, Number(r.lastInsertRowid))!;
}

export function acknowledgeRow(db: Db, seq: number, by: string, at: string): void {
  stmt(
    db,
    "UPDATE exceptions SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ? WHERE seq = ?",
  ).run(by, at, seq);
}

export function resolveRow(db: Db, seq: number, by: string, note: string | null, at: string): void {
  stmt(
    db,
    "UPDATE exceptions SET status = 'resolved', resolved_by = ?, resolved_at = ?, note = COALESCE(?, note) WHERE seq = ?",
  ).run(by, at, note, seq);
}

export interface ExceptionQuery {
  status?: ExceptionStatus[];
  kind?: ExceptionKind[];
  zone?: string;
  limit: number;
}

/** Newest first. */
export function listRows(db: Db, q: ExceptionQuery): ExceptionRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.status?.length) {
    where.push(`status IN (${q.status.map(() => '?').join(',')})`);
    args.push(...q.status);
  }
  if (q.kind?.length) {
    where.push(`kind IN (${q.kind.map(() => '?').join(',')})`);
    args.push(...q.kind);
  }
  if (q.zone !== undefined) {
    where.push('zone = ?');
    args.push(q.zone);
  }
  return db
    .prepare(
      `SELECT * FROM exceptions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`,
    )
    .all(...args, q.limit) as ExceptionRow[];
}

/** Open (not resolved) exceptions by kind: the Prometheus gauge. */
export function openCounts(db: Db): { kind: ExceptionKind; n: number }[] {
  return stmt(
    db,
    "SELECT kind, COUNT(*) AS n FROM exceptions WHERE status <> 'resolved' GROUP BY kind",
  ).all() as { kind: ExceptionKind; n: number }[];
}
