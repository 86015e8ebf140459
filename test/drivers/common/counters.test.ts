/**
 * device-drivers/common/counters.ts: one flat tally of numbers per module
 * (issue 16 item 15), the latency buckets (not cumulative, upper bound
 * inclusive), failures by kind, and the API view built from a tally.
 */
import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  copyCounters,
  countAttempt,
  emptyCounters,
  LATENCY_BOUNDS_MS,
  newTally,
} from '../../../device-drivers/common/counters.ts';
import { PicklineError } from '../../../kernel/errors.ts';

describe('module counters', () => {
  it('are one flat record of numbers with the same keys for every module', () => {
    const a = newTally();
    const b = newTally();
    expect(a).not.toBe(b);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const v of Object.values(a)) expect(v).toBe(0);
    countAttempt(a, 3, null);
    countAttempt(a, 700, new PicklineError('DEVICE_TIMEOUT', 'late'));
    a.staleEvents++;
    // counting adds no field and nests nothing: the shape stays as it was made
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const v of Object.values(a)) expect(typeof v).toBe('number');
  });

  it('puts an answer in the bucket of the first bound it does not exceed', () => {
    const cases: [number, string][] = [
      [0, '5'],
      [5, '5'],
      [5.01, '10'],
      [10, '10'],
      [19.9, '20'],
      [50, '50'],
      [100, '100'],
      [150, '200'],
      [500, '500'],
      [999, '1000'],
      [1000, '1000'],
      [1000.5, '+Inf'],
      [60_000, '+Inf'],
    ];
    for (const [ms, bucket] of cases) {
      const t = newTally();
      countAttempt(t, ms, null);
      const v = copyCounters(t);
      expect(bucketOf(ms), `${ms} ms`).toBe(bucket);
      expect(v.latencyMs[bucket], `${ms} ms`).toBe(1);
      expect(Object.values(v.latencyMs).reduce((s, n) => s + n, 0)).toBe(1);
      expect(v.transactions).toBe(1);
    }
  });

  it('counts failures by kind, and not in the latency buckets', () => {
    const t = newTally();
    countAttempt(t, 100, new PicklineError('DEVICE_TIMEOUT', 'no answer'));
    countAttempt(t, 2, new PicklineError('DEVICE_CRC', 'bad crc'));
    countAttempt(t, 2, new PicklineError('DEVICE_EXCEPTION', 'exception 2'));
    countAttempt(t, 2, new PicklineError('BUS_IO', 'link down'));
    const v = copyCounters(t);
    expect(v).toMatchObject({ transactions: 4, timeouts: 1, crcErrors: 1, exceptions: 1 });
    expect(Object.values(v.latencyMs).every((n) => n === 0)).toBe(true);
  });

  it('shows the API shape: every bucket bound in order, then +Inf, as a copy', () => {
    const t = newTally();
    countAttempt(t, 7, null);
    t.keyEvents = 2;
    const v = copyCounters(t);
    expect(Object.keys(v.latencyMs)).toEqual([...LATENCY_BOUNDS_MS.map(String), '+Inf']);
    expect(v).toMatchObject({ transactions: 1, keyEvents: 2, staleEvents: 0 });
    expect(v.latencyMs['10']).toBe(1);
    countAttempt(t, 7, null);
    expect(v.latencyMs['10']).toBe(1);
    expect(copyCounters(t).latencyMs['10']).toBe(2);
    expect(emptyCounters()).toEqual(copyCounters(newTally()));
  });
});
