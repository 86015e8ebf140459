/**
 * Each zone's recent pick rate (CONTRACTS.md §7 "Projection"): the lines
 * closed there (picked or shorted) in the last 15 minutes ÷ 15, in lines per
 * minute, or the configured default when none closed. Seeded from the store
 * at start, then fed by the committed line events.
 */
import { type Db, stmt } from '../store/db.ts';

export const RATE_WINDOW_MS = 15 * 60_000;

export class ZoneRates {
  readonly #fallback: number;
  /** zone → closing times (ms), oldest first, from `head` on */
  readonly #times = new Map<string, { t: number[]; head: number }>();

  constructor(defaultLinesPerMinute: number) {
    this.#fallback = defaultLinesPerMinute;
  }

  /** The lines closed in the window before `now`, from the store (one scan, at start). */
  seed(db: Db, now: number): void {
    const rows = stmt(
      db,
      `SELECT COALESCE(loc.zone, o.put_wall) AS zone, l.updated_at AS at FROM lines l
         JOIN orders o ON o.id = l.order_id LEFT JOIN locations loc ON loc.id = l.location
         WHERE l.status IN ('picked','short') AND l.updated_at > ? ORDER BY l.updated_at`,
    ).all(new Date(now - RATE_WINDOW_MS).toISOString()) as { zone: string | null; at: string }[];
    for (const r of rows) if (r.zone) this.closed(r.zone, Date.parse(r.at));
  }

  closed(zone: string, at: number): void {
    let z = this.#times.get(zone);
    if (!z) {
      z = { t: [], head: 0 };
      this.#times.set(zone, z);
    }
    z.t.push(at);
  }

  /** Lines per minute of `zone` at `now`. */
  rate(zone: string, now: number): number {
    const z = this.#times.get(zone);
    if (!z) return this.#fallback;
    while (z.head < z.t.length && z.t[z.head] <= now - RATE_WINDOW_MS) z.head++;
    if (z.head > 1024 && z.head * 2 > z.t.length) {
      z.t = z.t.slice(z.head);
      z.head = 0;
    }
    const n = z.t.length - z.head;
    return n > 0 ? n / 15 : this.#fallback;
  }
}
