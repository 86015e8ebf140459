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
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
