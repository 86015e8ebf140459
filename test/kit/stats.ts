/**
 * The one percentile of the benches (bench/ prints its figures with these):
 * nearest rank on the sorted samples, `sorted[min(n - 1, floor(p / 100 × n))]`,
 * so p 50 of an even count is the upper middle and p 100 is the maximum.
 * No samples: NaN (JSON prints null).
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** `x` rounded to `digits` decimals (as a number, for JSON). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
