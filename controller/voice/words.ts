/**
 * What a worker said, as the dialog reads it (CONTRACTS.md §3): digits as
 * words ("four two") or numerals ("42", "4 2"), quantities also as
 * "twelve" or "twenty three", and the always-understood commands.
 */

const DIGITS: Record<string, number> = {
  zero: 0,
  oh: 0,
  o: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};
const TEENS: Record<string, number> = {
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

/** Lower case, punctuation dropped, single spaces. */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A digit string from digit words and numerals ("four 2" → "42"); null if any word is not a digit. */
export function digitString(text: string): string | null {
  const words = normalize(text).split(' ');
  if (words.length === 0 || words[0] === '') return null;
  let out = '';
  for (const w of words) {
    if (/^[0-9]+$/.test(w)) out += w;
    else if (w in DIGITS) out += String(DIGITS[w]);
    else return null;
  }
  return out;
}

/**
 * A quantity: numerals, digit words read as digits ("one two" → 12), or a
 * number in words up to 99 ("twenty three"); null when it is none of these.
 */
export function quantity(text: string): number | null {
  const digits = digitString(text);
  if (digits !== null) return digits.length <= 6 ? Number(digits) : null;
  const words = normalize(text).split(' ');
  if (words.length === 1 && words[0] in TEENS) return TEENS[words[0]];
  const tens = TENS[words[0]];
  if (tens === undefined || words.length > 2) return null;
  if (words.length === 1) return tens;
  const one = DIGITS[words[1]];
  return one !== undefined && one > 0 ? tens + one : null;
}

export type Command =
  | 'ready'
  | 'repeat'
  | 'how-much-more'
  | 'sign-off'
  | 'skip-slot'
  | 'short-product'
  | 'yes'
  | 'no';

const COMMANDS: Record<string, Command> = {
  ready: 'ready',
  repeat: 'repeat',
  'say again': 'repeat',
  'how much more': 'how-much-more',
  'sign off': 'sign-off',
  'skip slot': 'skip-slot',
  'short product': 'short-product',
  yes: 'yes',
  no: 'no',
};

/** The command the words are, or null. */
export function command(text: string): Command | null {
  return COMMANDS[normalize(text)] ?? null;
}

/** "go to zone A" / "zone A" → "A" (zone ids as the site spells them, any case); null otherwise. */
export function goToZone(text: string): string | null {
  const m = /^(?:go to )?zone (.+)$/i.exec(text.trim().replace(/\s+/g, ' '));
  return m ? m[1].toUpperCase() : null;
}

/** Short reasons a worker may give (by word or by number on a keypad). */
export const REASONS = ['empty', 'damaged', 'wrong product', 'other'] as const;
export type Reason = (typeof REASONS)[number];

/** "empty", "2" (keypad: the reason's number, from 1) … → the reason; null otherwise. */
export function reason(text: string): Reason | null {
  const t = normalize(text);
  const byName = REASONS.find((r) => r === t || (r === 'empty' && t === 'empty slot'));
  if (byName) return byName;
  const n = quantity(t);
  return n !== null && n >= 1 && n <= REASONS.length ? REASONS[n - 1] : null;
}
