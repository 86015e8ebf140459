/**
 * The one wait of the tests and benches (STYLE.md "Habits worth keeping"):
 * polls `check` until it gives a truthy value, and resolves with that value;
 * after `ms` it fails with "timed out waiting for <what>". `check` may be
 * async (an HTTP call, a broker query): the next poll starts `everyMs` after
 * the previous one ended, so a slow check is never run twice at once.
 */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  ms = 5000,
  everyMs = 5,
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as Exclude<T, false | 0 | '' | null | undefined>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
