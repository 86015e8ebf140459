/**
 * What opens and clears exceptions on its own (CONTRACTS.md §7 "Exceptions"),
 * from the controller's committed events (the outbox), so the engine needs
 * no hook of its own:
 * - `line.shorted` → a `short` (people resolve it);
 * - `device.offline` of a module with work on it (a lit line) → a
 *   `module-offline`, resolved by `system` at its `device.online`;
 * - `order.completed`, `wave.cancelled` → the order's at-risk / late / idle
 *   exceptions resolved by `system`;
 * - `wave.rejected` (a command by message refused) → `command-rejected`;
 * - every `idleCheckMs`: a zone session with no pick for
 *   `exceptions.idleSessionSeconds` → `idle-session`, resolved by `system`
 *   when the session ends or a pick comes.
 * Order at-risk / late exceptions are raised by the service levels.
 */
import type { Logger } from 'pino';
import type { Outbox, PicklineEvent } from '../events/outbox.ts';
import type { Site } from '../site.ts';
import { type Store, stmt } from '../store/db.ts';
import { causes, type ExceptionDesk } from './desk.ts';

export interface ExceptionWatchDeps {
  store: Store;
  outbox: Outbox;
  site: Site;
  desk: ExceptionDesk;
  idleSessionSeconds?: number;
  /** how often sessions are checked for idleness (default 30 s) */
  idleCheckMs?: number;
  logger?: Logger;
  now?: () => number;
}

export class ExceptionWatch {
  readonly #d: ExceptionWatchDeps;
  #unsubscribe: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(d: ExceptionWatchDeps) {
    this.#d = d;
  }

  start(): void {
    this.#unsubscribe ??= this.#d.outbox.onEvent((e) => {
      try {
        this.#onEvent(e);
      } catch (err) {
        this.#d.logger?.error(
          { err: (err as Error).message, event: e.type },
          'exceptions: watch failed',
        );
      }
    });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.checkIdle(), this.#d.idleCheckMs ?? 30_000);
      this.#timer.unref();
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #onEvent(e: PicklineEvent): void {
    const { desk, site } = this.#d;
    const d = e.data;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    switch (e.type) {
      case 'line.shorted': {
        const loc = site.locations.get(String(d.location ?? ''));
        desk.raise({
          kind: 'short',
          cause: causes.short(String(d.lineId)),
          subject: {
            waveId: str(d.waveId),
            orderId: str(d.orderId),
            lineId: str(d.lineId),
            ...(loc ? { zone: loc.zone } : {}),
            ...(str(d.picker) ? { operator: str(d.picker) } : {}),
          },
          message: `line ${d.lineId} (${d.sku} at ${d.location}) shorted: ${d.picked} of ${d.requested}${d.reason ? ` (${d.reason})` : ''}`,
        });
        return;
      }
      case 'device.offline':
        if (d.litLine === null || d.litLine === undefined) return; // no work on it
        desk.raise({
          kind: 'module-offline',
          cause: causes.moduleOffline(String(d.bus), String(d.address)),
          subject: {
            bus: String(d.bus),
            module: String(d.address),
            lineId: String(d.litLine),
            ...(str(d.zone) ? { zone: str(d.zone) } : {}),
          },
          message: `module ${d.bus}/${d.address}${d.location ? ` (${d.location})` : ''} is offline with line ${d.litLine} lit on it`,
        });
        return;
      case 'device.online':
        desk.clear(
          causes.moduleOffline(String(d.bus), String(d.address)),
          'the module answers again',
        );
        return;
      case 'order.completed':
        this.#clearOrder(String(d.orderId), 'the order is completed');
        return;
      case 'wave.rejected': // a command by message was refused (CONTRACTS.md §6): people look at it
        desk.raise({
          kind: 'command-rejected',
          cause: causes.commandRejected(str(d.messageId) ?? e.eventId),
          subject: {
            ...(str(d.waveId) ? { waveId: str(d.waveId) } : {}),
            ...(str(d.orderId) ? { orderId: str(d.orderId) } : {}),
          },
          message: `${d.command ?? 'command'}${d.messageId ? ` (message ${d.messageId})` : ''} refused: ${d.code} ${d.message}`,
        });
        return;
      case 'wave.cancelled':
        for (const id of stmt(this.#d.store.db, 'SELECT id FROM orders WHERE wave_id = ?')
          .pluck()
          .all(String(d.waveId)) as string[])
          this.#clearOrder(id, 'the wave was cancelled');
        return;
      default:
    }
  }

  #clearOrder(orderId: string, note: string): void {
    const { desk } = this.#d;
    desk.clear(causes.orderAtRisk(orderId), note);
    desk.clear(causes.orderLate(orderId), note);
    for (const x of desk.list({
      status: ['open', 'acknowledged'],
      kind: ['idle-session'],
      limit: 1000,
    }))
      if (x.subject.orderId === orderId && x.subject.zone)
        desk.clear(causes.idleSession(x.subject.zone, orderId), note);
  }

  /**
   * Sessions idle for longer than the limit (no line of the order closed
   * since the session started or since the last pick) open `idle-session`;
   * open ones whose session ended or moved again are resolved by `system`.
   */
  checkIdle(): void {
    const { store, desk } = this.#d;
    if (!store.isOpen) return;
    const now = this.#d.now?.() ?? Date.now();
    const limitMs = (this.#d.idleSessionSeconds ?? 600) * 1000;
    const since = new Date(now - limitMs).toISOString();
    const idle = stmt(
      store.db,
      `SELECT s.zone, s.order_id, s.picker, o.wave_id, max(s.started_at, COALESCE(
           (SELECT MAX(l.updated_at) FROM lines l WHERE l.order_id = s.order_id
              AND l.status IN ('picked','short')), '')) AS last
         FROM zone_sessions s JOIN orders o ON o.id = s.order_id`,
    ).all() as { zone: string; order_id: string; picker: string; wave_id: string; last: string }[];
    const stillIdle = new Set<string>();
    for (const s of idle) {
      if (s.last >= since) continue;
      const cause = causes.idleSession(s.zone, s.order_id);
      stillIdle.add(cause);
      desk.raise({
        kind: 'idle-session',
        cause,
        subject: { waveId: s.wave_id, orderId: s.order_id, zone: s.zone, operator: s.picker },
        message: `${s.picker} has had order ${s.order_id} in zone ${s.zone} without a pick since ${s.last}`,
      });
    }
    for (const x of desk.list({
      status: ['open', 'acknowledged'],
      kind: ['idle-session'],
      limit: 1000,
    })) {
      const cause = causes.idleSession(x.subject.zone ?? '', x.subject.orderId ?? '');
      if (!stillIdle.has(cause)) desk.clear(cause, 'the session ended or picks resumed');
    }
  }
}
