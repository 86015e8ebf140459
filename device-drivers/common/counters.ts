/**
 * Per-module and per-bus counters (HARDWARE.md "What technicians need").
 * Latency buckets are NOT cumulative: bucket "20" counts answers that took
 * more than 10 ms and at most 20 ms; "+Inf" the rest.
 *
 * A driver keeps one `Tally` per module: one flat object literal of numbers,
 * the same shape for every module (issue 16 item 15: thousands of MQTT
 * modules). No nested record, no Map, no closure per module; the
 * `ModuleCounters` shape of the API (`latencyMs` by bucket) is built only
 * when someone asks (`copyCounters`). The record it replaces had keys
 * "5" … "1000", array indices to V8: an elements store sized for index 1000,
 * ~6 KB a module (test/drivers/mqtt/fleet-memory.test.ts measures what a module costs).
 */
import type { PicklineError } from '../../kernel/errors.ts';
import type { ModuleCounters } from '../types.ts';

export const LATENCY_BOUNDS_MS = [5, 10, 20, 50, 100, 200, 500, 1000] as const;

/** What a driver counts for one module (or a whole bus). Every field is a count. */
export interface Tally {
  transactions: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  /** key events dropped: stale job token, module not lit, malformed */
  staleEvents: number;
  keyEvents: number;
  /** answers by latency bucket (upper bound in ms, exclusive of the bucket below) */
  le5: number;
  le10: number;
  le20: number;
  le50: number;
  le100: number;
  le200: number;
  le500: number;
  le1000: number;
  leInf: number;
}

/** A tally at zero. One literal, so every tally shares one hidden class. */
export function newTally(): Tally {
  return {
    transactions: 0,
    timeouts: 0,
    crcErrors: 0,
    exceptions: 0,
    staleEvents: 0,
    keyEvents: 0,
    le5: 0,
    le10: 0,
    le20: 0,
    le50: 0,
    le100: 0,
    le200: 0,
    le500: 0,
    le1000: 0,
    leInf: 0,
  };
}

/** `ModuleCounters` at zero (fakes, tests). */
export function emptyCounters(): ModuleCounters {
  return copyCounters(newTally());
}

/** The bucket name of an answer that took `ms`: its upper bound, or "+Inf". */
export function bucketOf(ms: number): string {
  const b = LATENCY_BOUNDS_MS.find((bound) => ms <= bound);
  return b === undefined ? '+Inf' : String(b);
}

function countLatency(t: Tally, ms: number): void {
  if (ms <= 5) t.le5++;
  else if (ms <= 10) t.le10++;
  else if (ms <= 20) t.le20++;
  else if (ms <= 50) t.le50++;
  else if (ms <= 100) t.le100++;
  else if (ms <= 200) t.le200++;
  else if (ms <= 500) t.le500++;
  else if (ms <= 1000) t.le1000++;
  else t.leInf++;
}

/** One attempt on the wire: counts it and classifies its failure, if any. */
export function countAttempt(t: Tally, latencyMs: number, err: PicklineError | null): void {
  t.transactions++;
  if (!err) {
    countLatency(t, latencyMs);
    return;
  }
  if (err.code === 'DEVICE_TIMEOUT') t.timeouts++;
  else if (err.code === 'DEVICE_CRC') t.crcErrors++;
  else if (err.code === 'DEVICE_EXCEPTION') t.exceptions++;
}

/** The API's view of a tally (a copy: later counts do not change it). */
export function copyCounters(t: Tally): ModuleCounters {
  return {
    transactions: t.transactions,
    timeouts: t.timeouts,
    crcErrors: t.crcErrors,
    exceptions: t.exceptions,
    staleEvents: t.staleEvents,
    keyEvents: t.keyEvents,
    latencyMs: {
      '5': t.le5,
      '10': t.le10,
      '20': t.le20,
      '50': t.le50,
      '100': t.le100,
      '200': t.le200,
      '500': t.le500,
      '1000': t.le1000,
      '+Inf': t.leInf,
    },
  };
}
