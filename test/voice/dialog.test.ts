import { describe, expect, it } from 'vitest';
import type { VoiceTask } from '../../controller/engine/voice.ts';
import {
  type DialogEvent,
  type DialogState,
  initialState,
  type Step,
  step,
} from '../../controller/voice/dialog.ts';
import { digitString, quantity, reason } from '../../controller/voice/words.ts';

const task = (over: Partial<VoiceTask> = {}): VoiceTask => ({
  zone: 'V',
  operator: 'jdoe',
  waveId: 'W1',
  orderId: 'O1',
  container: 'C1',
  lineId: 'L1',
  sku: 'S1',
  description: 'blue widgets',
  quantity: 3,
  location: 'V-03-01',
  aisle: '03',
  slot: '01',
  checkDigits: '42',
  skipped: false,
  left: { lines: 2, units: 5 },
  ...over,
});

/** Runs events from `s`, returning every step. */
function run(s: DialogState, ...events: DialogEvent[]): Step[] {
  const out: Step[] = [];
  for (const e of events) {
    const r = step(s, e);
    out.push(r);
    s = r.state;
  }
  return out;
}
const w = (text: string): DialogEvent => ({ type: 'words', text });
const last = (steps: Step[]) => steps[steps.length - 1];

/** A dialog standing at the slot of `t` (ready said, task given). */
function atSlot(t = task()): DialogState {
  return last(
    run(initialState('V'), { type: 'start', task: null }, w('ready'), { type: 'task', task: t }),
  ).state;
}
function atQuantity(t = task()): DialogState {
  return step(atSlot(t), w('42')).state;
}

describe('words', () => {
  it('reads digits as words or numerals, quantities up to ninety-nine in words', () => {
    expect(digitString('four two')).toBe('42');
    expect(digitString('4 2')).toBe('42');
    expect(digitString('42')).toBe('42');
    expect(digitString('Oh, seven.')).toBe('07');
    expect(digitString('four banana')).toBeNull();
    expect(quantity('twelve')).toBe(12);
    expect(quantity('twenty three')).toBe(23);
    expect(quantity('one two')).toBe(12);
    expect(quantity('3')).toBe(3);
    expect(quantity('lots')).toBeNull();
    expect(reason('damaged')).toBe('damaged');
    expect(reason('1')).toBe('empty');
    expect(reason('nine')).toBeNull();
  });
});

describe('voice dialog', () => {
  it('ready → assignment → aisle and slot → check digits → pick N → quantity → confirm', () => {
    const [start, ready, assigned, digits, qty] = run(
      initialState('V'),
      { type: 'start', task: null },
      w('ready'),
      { type: 'task', task: task() },
      w('four two'),
      w('three'),
    );
    expect(start.prompt).toEqual({ text: 'Say ready.', expect: 'ready' });
    expect(ready.intent).toEqual({ kind: 'next-task' });
    expect(ready.prompt).toBeUndefined();
    expect(assigned.prompt).toEqual({
      text: 'Order O1, container C1. Aisle 03, slot 01.',
      expect: 'check-digits',
    });
    expect(digits.prompt).toEqual({ text: 'Pick 3, blue widgets.', expect: 'quantity' });
    expect(digits.intent).toBeUndefined();
    expect(qty.intent).toEqual({ kind: 'confirm', lineId: 'L1', quantity: 3 });
  });

  it('audio mode: speech that was not recognised asks the prompt again and changes nothing', () => {
    const s = atSlot();
    const r = step(s, { type: 'unheard' });
    expect(r.prompt).toEqual({
      text: 'Say again? Order O1, container C1. Aisle 03, slot 01.',
      expect: 'check-digits',
    });
    expect(r.intent).toBeUndefined();
    expect(r.state.phase).toEqual(s.phase);
    const busy = step(atQuantity(), w('three')).state; // the engine is recording
    expect(step(busy, { type: 'unheard' })).toEqual({ state: busy });
  });

  it('numerals work as well as words, and the next line of the same order names no order', () => {
    const s = atSlot();
    const [digits, qty, next] = run(s, w('42'), w('3'), {
      type: 'task',
      task: task({ lineId: 'L2', slot: '02', checkDigits: '17' }),
    });
    expect(digits.prompt?.expect).toBe('quantity');
    expect(qty.intent).toEqual({ kind: 'confirm', lineId: 'L1', quantity: 3 });
    expect(next.prompt?.text).toBe('Aisle 03, slot 02.');
  });

  it('wrong check digits never record a pick; twice wrong offers skip slot; right ones then go on', () => {
    const steps = run(atSlot(), w('four three'), w('one one'), w('three'), w('four two'));
    expect(steps.map((x) => x.intent)).toEqual([undefined, undefined, undefined, undefined]);
    expect(steps[0].prompt).toEqual({
      text: 'Wrong check digits. Aisle 03, slot 01.',
      expect: 'check-digits',
    });
    expect(steps[1].prompt?.text).toBe(
      'Wrong check digits again. Aisle 03, slot 01. Say the check digits, or skip slot.',
    );
    // a quantity said at the slot is just more wrong digits
    expect(steps[2].state.phase).toEqual({ at: 'location', wrong: 3 });
    expect(steps[3].prompt?.text).toBe('Pick 3, blue widgets.');
  });

  it('a lower quantity is confirmed back and recorded as a short with a reason', () => {
    const [said, yes, why] = run(atQuantity(), w('two'), w('yes'), w('damaged'));
    expect(said.prompt).toEqual({
      text: 'You said 2, I asked for 3. Short product?',
      expect: 'yes-no',
    });
    expect(said.intent).toBeUndefined();
    expect(yes.prompt?.expect).toBe('reason');
    expect(why.intent).toEqual({ kind: 'short', lineId: 'L1', quantity: 2, reason: 'damaged' });
  });

  it('"no" to "Short product?" asks the quantity again; more than asked is refused', () => {
    const [, no, over, right] = run(atQuantity(), w('2'), w('no'), w('5'), w('3'));
    expect(no.prompt).toEqual({ text: 'Pick 3, blue widgets.', expect: 'quantity' });
    expect(over.prompt?.text).toBe('You said 5, I asked for 3. Quantity?');
    expect(over.intent).toBeUndefined();
    expect(right.intent).toEqual({ kind: 'confirm', lineId: 'L1', quantity: 3 });
  });

  it('"short product" waits for the check digits, then asks how many and a reason (keypad number)', () => {
    const [first] = run(atSlot(), w('short product'));
    expect(first.prompt?.text).toBe('Check digits first. Aisle 03, slot 01.');
    expect(first.intent).toBeUndefined();
    const [how, tooMany, zero, why] = run(atQuantity(), w('short product'), w('3'), w('0'), w('1'));
    expect(how.prompt?.text).toBe('Short product. How many did you pick?');
    expect(tooMany.prompt?.text).toBe('A short is less than 3. How many did you pick?');
    expect(zero.prompt?.expect).toBe('reason');
    expect(why.intent).toEqual({ kind: 'short', lineId: 'L1', quantity: 0, reason: 'empty' });
  });

  it('skip slot sends the line to the end; it comes back announced as skipped', () => {
    const [skip, next, back] = run(
      atSlot(),
      w('skip slot'),
      { type: 'task', task: task({ lineId: 'L2', slot: '02', checkDigits: '17' }) },
      w('one seven'),
    );
    expect(skip.intent).toEqual({ kind: 'skip', lineId: 'L1' });
    expect(next.prompt?.text).toBe('Aisle 03, slot 02.');
    const [confirm, returned] = run(back.state, w('3'), {
      type: 'task',
      task: task({ skipped: true, left: { lines: 1, units: 3 } }),
    });
    expect(confirm.intent).toEqual({ kind: 'confirm', lineId: 'L2', quantity: 3 });
    expect(returned.prompt?.text).toBe('Skipped slot. Aisle 03, slot 01.');
  });

  it('how much more tells lines and units left and asks again; repeat and say again repeat', () => {
    const s = atSlot();
    const [more, rep, again] = run(s, w('how much more'), w('repeat'), w('Say again'));
    expect(more.prompt).toEqual({
      text: '2 lines, 5 units left. Order O1, container C1. Aisle 03, slot 01.',
      expect: 'check-digits',
    });
    expect(rep.prompt).toEqual({
      text: 'Order O1, container C1. Aisle 03, slot 01.',
      expect: 'check-digits',
    });
    expect(again.prompt).toEqual(rep.prompt);
    expect(again.state).toEqual(s);
  });

  it('sign off ends with bye; words after it are ignored', () => {
    const [off, after] = run(atQuantity(), w('sign off'), w('3'));
    expect(off.bye).toBe(true);
    expect(off.intent).toBeUndefined();
    expect(after).toEqual({ state: off.state });
  });

  it('resume: a sign-on while holding a line goes back to that slot', () => {
    const [start] = run(initialState('V'), { type: 'start', task: task() });
    expect(start.prompt?.text).toBe('Welcome back. Aisle 03, slot 01.');
    expect(start.state.phase).toEqual({ at: 'location', wrong: 0 });
  });

  it('nothing left: says so and waits for ready; a refused intent fetches the task due', () => {
    const [none] = run(atSlot(), { type: 'task', task: null });
    expect(none.prompt).toEqual({
      text: 'No work in zone V. Say ready to check again.',
      expect: 'ready',
    });
    const [failed] = run(atQuantity(), { type: 'failed', message: 'line cancelled' });
    expect(failed.intent).toEqual({ kind: 'next-task' });
  });

  it('words it does not know, or words while an intent is out, record nothing', () => {
    const [huh] = run(atQuantity(), w('banana'));
    expect(huh.prompt).toEqual({ text: 'Say again? Pick 3, blue widgets.', expect: 'quantity' });
    expect(huh.intent).toBeUndefined();
    const busy = step(atQuantity(), w('3')).state;
    expect(step(busy, w('3'))).toEqual({ state: busy });
  });

  it('a location without check digits opens the pick on "ready"', () => {
    const s = atSlot(task({ checkDigits: null }));
    expect(s.prompt?.expect).toBe('ready');
    expect(step(s, w('42')).prompt?.text).toMatch(/^Say again\?/);
    expect(step(s, w('ready')).prompt?.text).toBe('Pick 3, blue widgets.');
  });

  it('voice + light: "go to zone A" asks for the lights; presses are followed down to zone done', () => {
    const ready = last(run(initialState('V'), { type: 'start', task: null })).state;
    const [go, lit, one, more, done] = run(
      ready,
      w('go to zone a'),
      {
        type: 'lit',
        zone: 'A',
        task: { zone: 'A', orderId: 'PO1', color: 'green', lineIds: ['a', 'b'] },
      },
      { type: 'pressed', location: 'A-01-01', left: 1 },
      w('how much more'),
      { type: 'pressed', location: 'A-01-02', left: 0 },
    );
    expect(go.intent).toEqual({ kind: 'light-zone', zone: 'A' });
    expect(lit.prompt?.text).toBe(
      'Go to zone A. Order PO1, colour green: 2 lines lit. Press each light.',
    );
    expect(one.prompt?.text).toBe('A-01-01 done. 1 line left in zone A.');
    expect(more.prompt?.text).toBe('1 line left in zone A. A-01-01 done. 1 line left in zone A.');
    expect(done.prompt).toEqual({ text: 'Zone A done. Say ready.', expect: 'ready' });
    expect(done.state.phase).toEqual({ at: 'ready' });
    const [none] = run(ready, { type: 'lit', zone: 'A', task: null });
    expect(none.prompt?.text).toBe('No work in zone A. Say ready.');
  });
});
