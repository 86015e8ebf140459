/**
 * Due times (CONTRACTS.md §7 "Due times"): ISO-8601 date-times with a UTC
 * offset (`Z` or `±hh:mm`), taken as given and answered normalised to UTC `Z`
 * with milliseconds. A date that does not exist (30 February, hour 24) is
 * refused rather than rolled over, as `Date.parse` would.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/i;

/** The instant of `text` as ISO UTC (`…Z`), or null when it is not a valid due time. */
export function normaliseDue(text: unknown): string | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const m = ISO.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null; // day 0 of next month = last day
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || y < 2000 || y > 9999) return null;
  return new Date(ms).toISOString();
}

export const DUE_MESSAGE =
  'must be an ISO-8601 date-time with a UTC offset, e.g. 2026-12-08T14:00:00Z';
