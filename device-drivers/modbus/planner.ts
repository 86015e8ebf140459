/**
 * Chooses the idle work of a bus (HARDWARE.md: only lit modules can be
 * confirmed, so only lit modules are polled for keys):
 * - lit, not-offline modules awaiting keys are polled round-robin, back to
 *   back when `pollIntervalMs` is 0, else about once per `pollIntervalMs`
 *   (never twice within half of it), in rounds: the modules due within half
 *   a period of each other are polled together;
 * - every other module (dark, offline, or lit without a key to read: a done
 *   indicator lit without a job, a profile without keys) gets a health check every
 *   `healthIntervalMs`, a suspect one (failed, not yet offline) after
 *   `suspectRecheckMs`; at most one health check is slipped in per poll round,
 *   so health traffic never starves key polling;
 * - `pollAll` is the naive master (every module polled back to back), kept for
 *   benchmarks.
 */
export interface PlannedModule {
  address: number;
  /** lit with a job whose keys can be read (the controller lit it with seq ≠ 0, the profile has keys) */
  awaitsKeys: boolean;
  /** null = not heard from since start */
  online: boolean | null;
  lastPollAt: number;
  nextHealthAt: number;
}

export interface PlannerOptions {
  pollIntervalMs: number;
  pollAll: boolean;
}

export type Plan = { address: number; kind: 'poll' | 'health' } | { wakeAt: number } | null;

export class PollPlanner {
  private lastPolled = 0;
  private pollsSinceHealth = 0;
  /** end of the current round of polls (performance.now() ms) */
  private roundEnd = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: PlannerOptions) {}

  /** `mods` sorted by address. */
  next(mods: readonly PlannedModule[], now: number): Plan {
    const pollable = (m: PlannedModule) =>
      m.online !== false && (m.awaitsKeys || this.opts.pollAll);
    const period = this.opts.pollIntervalMs;
    // A round: once one module is due, every module due within half a period is
    // polled with it, back to back: one wake-up per round, not one per module.
    if (period > 0 && this.roundEnd <= now) {
      const dueNow = mods.some((m) => pollable(m) && m.lastPollAt + period <= now);
      if (dueNow) this.roundEnd = now + period / 2;
    }
    const horizon = Math.max(now, this.roundEnd);
    let firstDue: PlannedModule | undefined;
    let nextDue: PlannedModule | undefined;
    let health: PlannedModule | undefined;
    let wakeAt = Number.POSITIVE_INFINITY;
    let nPollable = 0;
    for (const m of mods) {
      if (pollable(m)) {
        nPollable++;
        const due = m.lastPollAt + period;
        if (due > horizon) wakeAt = Math.min(wakeAt, due);
        else {
          firstDue ??= m;
          if (!nextDue && m.address > this.lastPolled) nextDue = m;
        }
      } else if (m.nextHealthAt > now) wakeAt = Math.min(wakeAt, m.nextHealthAt);
      else if (!health || m.nextHealthAt < health.nextHealthAt) health = m;
    }
    // round-robin: the first due module after the one polled last, wrapping
    const poll = nextDue ?? firstDue;
    if (health && (!poll || this.pollsSinceHealth >= nPollable)) {
      this.pollsSinceHealth = 0;
      return { address: health.address, kind: 'health' };
    }
    if (poll) {
      this.pollsSinceHealth++;
      this.lastPolled = poll.address;
      return { address: poll.address, kind: 'poll' };
    }
    return Number.isFinite(wakeAt) ? { wakeAt } : null;
  }
}
