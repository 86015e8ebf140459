/**
 * Recognition grammars for the voice audio mode (CONTRACTS.md §3): what a
 * worker may say at one prompt, as a list of phrases, rendered as JSGF (the
 * readable form, and `-jsgf` for one-shot decoding) or as a Sphinx FSG (what
 * the warm batch recogniser loads per utterance). Every phrase is one the
 * dialog's word reader (controller/voice/words.ts) understands. Words from
 * outside the pick vocabulary (`GARBAGE`) are a parallel branch: speech that
 * matches them better than any phrase is recognised as garbage and the
 * worker is asked to say it again; it is never mapped to an answer.
 *
 * Longer than 350 lines: most of it is word lists (digits, the garbage
 * branch's ~80 words, one per line as the formatter lays them out); the
 * grammar code itself is the JSGF and FSG renderers and the prefix tree.
 */
import type { Expect } from '../voice/dialog.ts';
import { REASONS } from '../voice/words.ts';

export const DIGIT_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
] as const;
const TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** Understood at every prompt (CONTRACTS.md §3). */
export const ALWAYS = ['repeat', 'say again', 'how much more', 'sign off'] as const;
/** At the slot and at the quantity prompt. */
export const AT_SLOT = ['skip slot', 'short product'] as const;

/**
 * Common words outside the pick vocabulary (all in the CMU dictionary): an
 * utterance decoded to any of them is out of grammar. No one-syllable
 * vowel-like words ("a", "i", "you", "see"): they soak up digits such as
 * "eight" and "five" (measured with bench/speech.ts); nor "late", which took
 * "eight eight" as "late break". The first ones come from the bench's own
 * out-of-grammar phrases; the common words after them from none of its
 * phrases, for speech it has not seen (bench/speech.ts UNSEEN; "floor" and
 * "light" were dropped: they took "four" and "nine").
 */
export const GARBAGE = [
  'the',
  'what',
  'where',
  'this',
  'hello',
  'okay',
  'stop',
  'please',
  'thanks',
  'help',
  'wait',
  'left',
  'right',
  'box',
  'truck',
  'lunch',
  'break',
  'coffee',
  'pallet',
  'move',
  'hey',
  'can',
  'have',
  'need',
  'time',
  'let',
  'machine',
  'heavy',
  'over',
  'here',
  'are',
  'bring',
  'call',
  'today',
  // common words from no phrase the bench tries, none rhyming with a digit ("floor", "light")
  'water',
  'people',
  'about',
  'after',
  'because',
  'little',
  'maybe',
  'thing',
  'work',
  'house',
  'place',
  'really',
  'money',
  'around',
  'under',
  'never',
  'family',
  'problem',
  'question',
  'company',
  'system',
  'between',
  'another',
  'small',
  'world',
  'school',
  'talk',
  'watch',
  'open',
  'close',
  'finish',
  'paper',
  'table',
  'window',
  'yellow',
  'order',
  'carton',
  'label',
  'shelf',
] as const;

/**
 * The US English model's phones (CMU set, without stress). For the phone
 * loop of the out-of-grammar branch (see toFsg), each is a one-phone
 * "word" `PHONE_PREFIX + phone` in the recogniser's dictionary
 * (phoneDictionary).
 */
export const PHONES = [
  'AA',
  'AE',
  'AH',
  'AO',
  'AW',
  'AY',
  'B',
  'CH',
  'D',
  'DH',
  'EH',
  'ER',
  'EY',
  'F',
  'G',
  'HH',
  'IH',
  'IY',
  'JH',
  'K',
  'L',
  'M',
  'N',
  'NG',
  'OW',
  'OY',
  'P',
  'R',
  'S',
  'SH',
  'T',
  'TH',
  'UH',
  'UW',
  'V',
  'W',
  'Y',
  'Z',
  'ZH',
] as const;
export const PHONE_PREFIX = 'ph_';

/** Dictionary lines of the phone loop's one-phone words ("ph_aa AA"), to append to the model's. */
export function phoneDictionary(): string {
  return PHONES.map((p) => `${PHONE_PREFIX}${p.toLowerCase()} ${p}\n`).join('');
}

/** Largest quantity spelled as words; larger ones are said digit by digit. */
const WORDS_UP_TO = 99;
/** Quantities above this are only accepted digit by digit up to the request. */
export const MAX_QUANTITY = 999;

export interface GrammarContext {
  expect: Expect;
  /** the location's check digits (at a `check-digits` prompt) */
  checkDigits?: string | null;
  /** the requested quantity (at a `quantity` prompt) */
  quantity?: number | null;
}

export interface Grammar {
  /** a stable name (also the cache key of its compiled forms) */
  name: string;
  /** accepted phrases: lower-case words separated by single spaces */
  phrases: string[];
}

/** A number as spoken: 0–99 in words ("twenty three"), larger digit by digit. */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`not a quantity: ${n}`);
  if (n > WORDS_UP_TO) return digitWords(String(n));
  if (n < 10) return DIGIT_WORDS[n];
  if (n < 20) return TEENS[n - 10];
  const t = TENS[Math.floor(n / 10) - 2];
  return n % 10 === 0 ? t : `${t} ${DIGIT_WORDS[n % 10]}`;
}

/** "42" → "four two". */
export function digitWords(digits: string): string {
  return [...digits].map((d) => DIGIT_WORDS[Number(d)]).join(' ');
}

/** Every digit string of `length` digits, spoken ("zero zero" … "nine nine"). */
function allDigitStrings(length: number): string[] {
  let out = [''];
  for (let i = 0; i < length; i++)
    out = out.flatMap((p) => DIGIT_WORDS.map((d) => (p ? `${p} ${d}` : d)));
  return out;
}

/**
 * The grammar of one prompt. Check digits: every digit string of their
 * length (a wrong one must be heard to be rejected), never a quantity.
 * Quantity: 0 up to the request (a larger one is refused by the dialog
 * anyway), both in words and digit by digit for two-digit numbers.
 */
export function grammarFor(c: GrammarContext): Grammar {
  const phrases: string[] = [...ALWAYS];
  let name: string = c.expect;
  switch (c.expect) {
    case 'ready':
      phrases.push('ready');
      break;
    case 'check-digits': {
      const len = c.checkDigits?.length ?? 0;
      if (len === 0 || len > 3 || !/^[0-9]+$/.test(c.checkDigits ?? ''))
        throw new RangeError(`check digits must be 1 to 3 digits, not "${c.checkDigits}"`);
      phrases.push(...AT_SLOT, ...allDigitStrings(len));
      name = `check-digits-${len}`;
      break;
    }
    case 'quantity': {
      const max = Math.min(c.quantity ?? 0, MAX_QUANTITY);
      if (!Number.isInteger(max) || max < 1)
        throw new RangeError(`a quantity prompt needs a request, not ${c.quantity}`);
      phrases.push(...AT_SLOT);
      for (let n = 0; n <= max; n++) {
        phrases.push(numberWords(n));
        if (n >= 10 && n <= WORDS_UP_TO) phrases.push(digitWords(String(n)));
      }
      name = `quantity-${max}`;
      break;
    }
    case 'yes-no':
      phrases.push('yes', 'no');
      break;
    case 'reason':
      phrases.push(...REASONS, 'empty slot', ...REASONS.map((_, i) => DIGIT_WORDS[i + 1]));
      break;
    case 'digits':
      for (let len = 1; len <= 2; len++) phrases.push(...allDigitStrings(len));
      break;
  }
  return { name, phrases: [...new Set(phrases)] };
}

/** The grammar as JSGF (`-jsgf`): answers and a garbage loop as alternatives. */
export function toJsgf(g: Grammar): string {
  return [
    '#JSGF V1.0;',
    `grammar ${g.name.replace(/[^A-Za-z0-9]/g, '_')};`,
    `public <utterance> = <answer> | <garbage>+;`,
    `<answer> = ${g.phrases.join(' | ')};`,
    `<garbage> = ${GARBAGE.join(' | ')};`,
    '',
  ].join('\n');
}

export type FsgShape = 'chains' | 'tree';

/**
 * The grammar as a Sphinx FSG, and a garbage loop beside it. Probabilities:
 * the garbage branch gets `garbageWeight` of the start, the phrases share the
 * rest equally. Shape `chains`: one chain of states per phrase. Shape `tree`
 * (the default): the phrases as a prefix tree, so that phrases sharing
 * their first words share states ("two one" … "two nine" leave the start
 * on one "two"; a two-digit grammar is one digit per position): the same
 * phrases with the same probabilities, and far fewer states to search.
 * `phoneLoop` > 0: a third branch beside them, a loop of one-phone words
 * (PHONES), each phone with that probability. Any speech can be spelled by
 * it, so speech unlike every phrase is taken by the loop instead of by the
 * nearest phrase; the garbage words only cover speech like the phrases they
 * were picked from ("send a forklift" was decoded as "seven four", "show me
 * a list" as "short product"). The probability sets how unlike: lower
 * lets more out-of-grammar speech through as an answer, higher refuses
 * more answers (docs/HARDWARE.md "Speech on this machine").
 */
export function toFsg(
  g: Grammar,
  garbageWeight = 0.2,
  shape: FsgShape = 'tree',
  phoneLoop = 0,
): string {
  const lines: string[] = [];
  const START = 0;
  const FINAL = 1;
  const GARB = 2;
  const PHONE = 3;
  let next = phoneLoop > 0 ? 4 : 3;
  const pPhrase = (1 - garbageWeight) / g.phrases.length;
  if (shape === 'chains')
    for (const phrase of g.phrases) {
      const words = phrase.split(' ');
      let from = START;
      words.forEach((w, i) => {
        const to = i === words.length - 1 ? FINAL : next++;
        lines.push(`TRANSITION ${from} ${to} ${i === 0 ? pPhrase : 1} ${w}`);
        from = to;
      });
    }
  else {
    // node: the phrases through it; a child per next word; `ends`: phrases ending here
    type Node = { n: number; ends: number; kids: Map<string, Node>; state: number };
    const root: Node = { n: 0, ends: 0, kids: new Map(), state: START };
    for (const phrase of g.phrases) {
      let at = root;
      at.n++;
      for (const w of phrase.split(' ')) {
        let k = at.kids.get(w);
        if (!k) {
          k = { n: 0, ends: 0, kids: new Map(), state: -1 };
          at.kids.set(w, k);
        }
        k.n++;
        at = k;
      }
      at.ends++;
    }
    const visit = (at: Node) => {
      for (const [w, k] of at.kids) {
        const p = at === root ? pPhrase * k.n : k.n / at.n;
        // a leaf goes straight to the final state; a node where phrases also end gets a null exit
        k.state = k.kids.size === 0 ? FINAL : next++;
        lines.push(`TRANSITION ${at.state} ${k.state} ${p} ${w}`);
        if (k.kids.size > 0) {
          if (k.ends > 0) lines.push(`TRANSITION ${k.state} ${FINAL} ${k.ends / k.n}`);
          visit(k);
        }
      }
    };
    visit(root);
  }
  const pg = garbageWeight / GARBAGE.length;
  for (const w of GARBAGE) lines.push(`TRANSITION ${START} ${GARB} ${pg} ${w}`);
  for (const w of GARBAGE) lines.push(`TRANSITION ${GARB} ${GARB} ${0.5 / GARBAGE.length} ${w}`);
  lines.push(`TRANSITION ${GARB} ${FINAL} 0.5`);
  if (phoneLoop > 0) {
    for (const p of PHONES) {
      const w = `${PHONE_PREFIX}${p.toLowerCase()}`;
      lines.push(`TRANSITION ${START} ${PHONE} ${phoneLoop} ${w}`);
      lines.push(`TRANSITION ${PHONE} ${PHONE} ${phoneLoop} ${w}`);
    }
    lines.push(`TRANSITION ${PHONE} ${FINAL} 1`);
  }
  return [
    `FSG_BEGIN ${g.name.replace(/[^A-Za-z0-9]/g, '_')}`,
    `NUM_STATES ${next}`,
    `START_STATE ${START}`,
    `FINAL_STATE ${FINAL}`,
    ...lines,
    'FSG_END',
    '',
  ].join('\n');
}

/** Recognised words → the answer they are, or null (nothing heard, or garbage). */
export function accepted(g: Grammar, hypothesis: string): string | null {
  const words = hypothesis.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const text = words.join(' ');
  return g.phrases.includes(text) ? text : null;
}
