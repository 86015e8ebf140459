/**
 * Per-module and per-bus counters (HARDWARE.md "What technicians need").
 * Latency buckets are NOT cumulative: bucket "20" counts answers that took
 * more than 10 ms and at most 20 ms; "+Inf" the rest.
 */
import type { PicklineError } from '../../kernel/errors.ts';
import type { ModuleCounters } from '../types.ts';

export const LATENCY_BOUNDS_MS = [5, 10, 20, 50, 100, 200, 500, 1000] as const;

export function emptyCounters(): ModuleCounters {
  const latencyMs: Record<string, number> = {};
  for (const b of LATENCY_BOUNDS_MS) latencyMs[String(b)] = 0;
  latencyMs['+Inf'] = 0;
  return {
    transactions: 0,
    timeouts: 0,
    crcErrors: 0,
    exceptions: 0,
    staleEvents: 0,
    keyEvents: 0,
    latencyMs,
  };
}

export function bucketOf(ms: number): string {
  const b = LATENCY_BOUNDS_MS.find((bound) => ms <= bound);
  return b === undefined ? '+Inf' : String(b);
}

/** One attempt on the wire: counts it and classifies its failure, if any. */
export function countAttempt(
  c: ModuleCounters,
  latencyMs: number,
  err: PicklineError | null,
): void {
  c.transactions++;
  if (!err) {
    c.latencyMs[bucketOf(latencyMs)]++;
    return;
  }
  if (err.code === 'DEVICE_TIMEOUT') c.timeouts++;
  else if (err.code === 'DEVICE_CRC') c.crcErrors++;
  else if (err.code === 'DEVICE_EXCEPTION') c.exceptions++;
}

export function copyCounters(c: ModuleCounters): ModuleCounters {
  return { ...c, latencyMs: { ...c.latencyMs } };
}
