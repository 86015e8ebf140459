/**
 * The event types a WMS receives (CONTRACTS.md §1). Here, at the bottom layer,
 * because the config schema (webhook `types` filters), the outbox and the API
 * all name them.
 */
export const EVENT_TYPES = [
  'wave.accepted',
  'line.picked',
  'line.shorted',
  'order.completed',
  'wave.completed',
  'wave.cancelled',
  /** a command that came by message was refused (CONTRACTS.md §6) */
  'wave.rejected',
  'device.offline',
  'device.online',
  /** service levels (CONTRACTS.md §7): at most once per order or wave, state and dueAt */
  'order.at_risk',
  'order.late',
  'wave.at_risk',
  'wave.late',
  /** after a PATCH of dueAt or priority (CONTRACTS.md §7) */
  'wave.updated',
  'order.updated',
  /** the exceptions desk (CONTRACTS.md §7): data = the exception */
  'exception.opened',
  'exception.acknowledged',
  'exception.resolved',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
