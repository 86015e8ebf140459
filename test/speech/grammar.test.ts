import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  accepted,
  GARBAGE,
  grammarFor,
  numberWords,
  toFsg,
  toJsgf,
} from '../../controller/speech/grammar.ts';
import { command, digitString, quantity, reason } from '../../controller/voice/words.ts';

describe('speech grammar per prompt', () => {
  it('check digits: every digit string of their length, the slot commands and the always-words, no quantity', () => {
    const g = grammarFor({ expect: 'check-digits', checkDigits: '17' });
    expect(g.phrases).toContain('one seven');
    expect(g.phrases).toContain('four two'); // a wrong one must be heard to be refused
    expect(g.phrases).toContain('skip slot');
    for (const a of ALWAYS) expect(g.phrases).toContain(a);
    expect(g.phrases).not.toContain('seventeen');
    expect(g.phrases).not.toContain('one');
    expect(g.phrases.filter((p) => digitString(p) !== null)).toHaveLength(100);
  });

  it('quantity: 0 up to the request in words and digit by digit, nothing above it', () => {
    const g = grammarFor({ expect: 'quantity', quantity: 23 });
    expect(g.phrases).toEqual(
      expect.arrayContaining(['zero', 'twelve', 'two three', 'twenty three']),
    );
    expect(g.phrases).not.toContain('twenty four');
    const numbers = g.phrases.filter((p) => command(p) === null).map((p) => quantity(p));
    expect(numbers.every((n) => n !== null && n <= 23)).toBe(true);
    expect(new Set(numbers).size).toBe(24);
  });

  it('every phrase of every grammar is read back by the dialog words reader as what it says', () => {
    for (const g of [
      grammarFor({ expect: 'ready' }),
      grammarFor({ expect: 'yes-no' }),
      grammarFor({ expect: 'reason' }),
      grammarFor({ expect: 'quantity', quantity: 120 }),
    ])
      for (const p of g.phrases) {
        const understood =
          command(p) !== null ||
          quantity(p) !== null ||
          (g.name === 'reason' && reason(p) !== null);
        expect(understood, `${g.name}: "${p}"`).toBe(true);
      }
    expect(numberWords(105)).toBe('one zero five');
    expect(quantity(numberWords(105))).toBe(105);
  });

  it('refuses a grammar it cannot build (no check digits, no request)', () => {
    expect(() => grammarFor({ expect: 'check-digits', checkDigits: null })).toThrow(RangeError);
    expect(() => grammarFor({ expect: 'check-digits', checkDigits: '1a' })).toThrow(RangeError);
    expect(() => grammarFor({ expect: 'quantity', quantity: 0 })).toThrow(RangeError);
  });

  it('garbage words and silence are never an answer', () => {
    const g = grammarFor({ expect: 'yes-no' });
    expect(accepted(g, 'yes')).toBe('yes');
    expect(accepted(g, ' SAY  again ')).toBe('say again');
    expect(accepted(g, '')).toBeNull();
    expect(accepted(g, 'where the coffee')).toBeNull();
    expect(accepted(g, 'yes please')).toBeNull();
    const words = new Set(
      [
        g,
        grammarFor({ expect: 'reason' }),
        grammarFor({ expect: 'ready' }),
        grammarFor({ expect: 'quantity', quantity: 99 }),
        grammarFor({ expect: 'check-digits', checkDigits: '1' }),
      ].flatMap((x) => x.phrases.flatMap((p) => p.split(' '))),
    );
    expect(GARBAGE.filter((w) => words.has(w))).toEqual([]); // no answer word is garbage
    // nor a word that rhymes with a digit: "late" took "eight eight" (bench/speech.ts)
    // "floor" took "four" and "light" took "nine"
    expect(
      GARBAGE.filter((w) => ['late', 'a', 'i', 'you', 'see', 'floor', 'light'].includes(w)),
    ).toEqual([]);
  });

  it('renders JSGF and a consistent FSG', () => {
    const g = grammarFor({ expect: 'yes-no' });
    const j = toJsgf(g);
    expect(j).toMatch(/^#JSGF V1\.0;/);
    expect(j).toContain('<answer> = repeat | say again | how much more | sign off | yes | no;');
    const fsg = toFsg(g);
    const states = Number(/NUM_STATES (\d+)/.exec(fsg)?.[1]);
    const transitions = fsg.split('\n').filter((l) => l.startsWith('TRANSITION '));
    for (const t of transitions) {
      const [, from, to] = t.split(' ').map(Number);
      expect(from).toBeLessThan(states);
      expect(to).toBeLessThan(states);
    }
    // the phrases leave the start state with the same probability in total as 1 − garbage
    const fromStart = transitions
      .filter((t) => t.startsWith('TRANSITION 0 ') && !t.startsWith('TRANSITION 0 2 '))
      .reduce((s, t) => s + Number(t.split(' ')[3]), 0);
    expect(fromStart).toBeCloseTo(0.8, 6);
  });

  it('the FSG prefix tree spells every phrase and nothing else, each with the same probability', () => {
    for (const g of [
      grammarFor({ expect: 'quantity', quantity: 24 }),
      grammarFor({ expect: 'check-digits', checkDigits: '17' }),
      grammarFor({ expect: 'reason' }),
    ]) {
      const fsg = toFsg(g, 0.2, 'tree');
      const arcs = fsg
        .split('\n')
        .filter((l) => l.startsWith('TRANSITION ') && !/^TRANSITION (0 2|2) /.test(l))
        .map((l) => l.split(' '))
        .map(([, from, to, p, w]) => ({ from: Number(from), to: Number(to), p: Number(p), w }));
      const paths: [string, number][] = [];
      const walk = (state: number, words: string[], p: number) => {
        if (state === 1) return void paths.push([words.join(' '), p]);
        for (const a of arcs.filter((x) => x.from === state))
          walk(a.to, a.w ? [...words, a.w] : words, p * a.p);
      };
      walk(0, [], 1);
      expect(paths.map(([w]) => w).sort()).toEqual([...g.phrases].sort());
      for (const [, p] of paths) expect(p).toBeCloseTo(0.8 / g.phrases.length, 9);
      // one digit per position: two-digit check digits need 1 + 10 states, not one per phrase
      if (g.name === 'check-digits-2')
        expect(Number(/NUM_STATES (\d+)/.exec(fsg)?.[1])).toBeLessThan(30);
    }
  });
});
