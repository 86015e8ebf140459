/**
 * The exceptions desk's shapes (CONTRACTS.md §7 "Exceptions"): one TypeBox
 * schema the API publishes in OpenAPI, types derived from it.
 */
import { type Static, Type as T } from '@sinclair/typebox';

export const EXCEPTION_KINDS = [
  'short',
  'module-offline',
  'idle-session',
  'wrong-check-digits',
  'order-at-risk',
  'order-late',
  'over-pick-refused',
  'command-rejected',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const EXCEPTION_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

/** The severity a kind gets unless its raiser says otherwise. */
export const DEFAULT_SEVERITY: Record<ExceptionKind, Severity> = {
  short: 'warning',
  'module-offline': 'critical',
  'idle-session': 'warning',
  'wrong-check-digits': 'warning',
  'order-at-risk': 'warning',
  'order-late': 'critical',
  'over-pick-refused': 'info',
  'command-rejected': 'warning',
};

const Opt = (description?: string) => T.Optional(T.String(description ? { description } : {}));
export const ExceptionSubject = T.Object({
  waveId: Opt(),
  orderId: Opt(),
  lineId: Opt(),
  zone: Opt(),
  bus: Opt(),
  module: Opt('module address (a unit number as text, or an MQTT module id)'),
  operator: Opt(),
});
export type ExceptionSubject = Static<typeof ExceptionSubject>;

export const ExceptionView = T.Object({
  exceptionId: T.String({ description: 'x-<n>' }),
  kind: T.Union(EXCEPTION_KINDS.map((k) => T.Literal(k))),
  severity: T.Union(SEVERITIES.map((s) => T.Literal(s))),
  openedAt: T.String({ description: 'ISO-8601 UTC' }),
  subject: ExceptionSubject,
  message: T.String(),
  status: T.Union(EXCEPTION_STATUSES.map((s) => T.Literal(s))),
  acknowledgedBy: Opt(),
  acknowledgedAt: Opt(),
  resolvedBy: Opt('a person, or "system" when the cause cleared'),
  resolvedAt: Opt(),
  note: Opt(),
});
export type ExceptionView = Static<typeof ExceptionView>;

/** `by`: who acts, free text 1–64 characters; `note` up to 500. */
export const By = T.String({ minLength: 1, maxLength: 64, pattern: '\\S' });
export const AcknowledgeBody = T.Object({ by: By }, { additionalProperties: false });
export const ResolveBody = T.Object(
  { by: By, note: T.Optional(T.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
