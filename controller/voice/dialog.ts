/**
 * The voice dialog (CONTRACTS.md §3) as a pure state machine: an event (what
 * the worker said, or what the engine answered) and the state give the next
 * state, at most one prompt and at most one engine intent. No sockets, no
 * timers, no store: the session runner carries intents out and feeds the
 * engine's answers back as `task` / `failed` events. Nothing is recorded but
 * through an intent, and pick and short intents are issued only after the
 * location's check digits were heard (or, without check digits, "ready").
 */
import type { LightTask } from '../engine/commands.ts';
import type { VoiceTask } from '../engine/voice.ts';
import {
  type Command,
  command,
  digitString,
  goToZone,
  quantity,
  REASONS,
  type Reason,
  reason,
} from './words.ts';

export type Expect = 'ready' | 'digits' | 'check-digits' | 'quantity' | 'yes-no' | 'reason';

export interface Prompt {
  text: string;
  expect: Expect;
}

export type Phase =
  /** waiting for "ready" */
  | { at: 'ready' }
  /** an intent is out; the next event is its answer */
  | { at: 'busy' }
  /** at the slot: check digits, "skip slot", "short product" */
  | { at: 'location'; wrong: number }
  /** check digits heard: how many */
  | { at: 'quantity' }
  /** less than asked: "Short product?" */
  | { at: 'confirm-short'; said: number }
  /** "short product": how many were there */
  | { at: 'short-quantity' }
  | { at: 'reason'; said: number }
  /** voice + light: the operator picks an order by the lights of a pick zone */
  | { at: 'lights'; zone: string; orderId: string; left: number }
  | { at: 'signed-off' };

export interface DialogState {
  zone: string;
  phase: Phase;
  /** the line being picked (location phases onwards) */
  task: VoiceTask | null;
  /** the last prompt, for "repeat" and for a terminal that reconnects */
  prompt: Prompt | null;
}

export type Intent =
  | { kind: 'next-task' }
  | { kind: 'confirm'; lineId: string; quantity: number }
  | { kind: 'short'; lineId: string; quantity: number; reason: Reason }
  | { kind: 'skip'; lineId: string }
  /** "go to zone A": light the operator's next order in that pick zone */
  | { kind: 'light-zone'; zone: string };

export type DialogEvent =
  /** sign-on; `task` is the line the operator already holds in the zone (resume), if any */
  | { type: 'start'; task: VoiceTask | null }
  | { type: 'words'; text: string }
  /** audio mode: the worker spoke but nothing in the prompt's grammar was recognised */
  | { type: 'unheard' }
  /** the engine's answer to an intent: the task now due (null: nothing left) */
  | { type: 'task'; task: VoiceTask | null }
  /** the answer to `light-zone`: the order lit for the operator (null: nothing there) */
  | { type: 'lit'; zone: string; task: LightTask | null }
  /** a key press in the lit order recorded a line; `left` lines of it remain lit or waiting */
  | { type: 'pressed'; location: string; left: number }
  /** an intent was refused (line cancelled meanwhile …): say why and fetch the task due */
  | { type: 'failed'; message: string };

export interface Step {
  state: DialogState;
  prompt?: Prompt;
  intent?: Intent;
  /** the dialog ended ("sign off"): the terminal gets `bye` */
  bye?: boolean;
}

export function initialState(zone: string): DialogState {
  return { zone, phase: { at: 'ready' }, task: null, prompt: null };
}

const SAY_READY: Prompt = { text: 'Say ready.', expect: 'ready' };

export function step(s: DialogState, e: DialogEvent): Step {
  switch (e.type) {
    case 'start':
      return e.task ? atLocation(s, e.task, 'Welcome back. ') : say(s, { at: 'ready' }, SAY_READY);
    case 'task':
      return e.task
        ? atLocation(s, e.task, newOrder(s.task, e.task))
        : say({ ...s, task: null }, { at: 'ready' }, nothingLeft(s));
    case 'failed':
      return { state: { ...s, phase: { at: 'busy' } }, intent: { kind: 'next-task' } };
    case 'lit':
      return lit(s, e.zone, e.task);
    case 'pressed':
      return pressed(s, e.location, e.left);
    case 'words':
      return words(s, e.text);
    case 'unheard':
      return s.phase.at === 'busy' || s.phase.at === 'signed-off' || !s.prompt
        ? { state: s }
        : notUnderstood(s);
  }
}

function words(s: DialogState, text: string): Step {
  const c = command(text);
  if (s.phase.at === 'busy' || s.phase.at === 'signed-off' || !s.prompt) return { state: s }; // nothing asked: the gateway refuses words out of turn
  if (c === 'repeat') return { state: s, prompt: s.prompt };
  if (c === 'sign-off')
    return { state: { ...s, phase: { at: 'signed-off' }, prompt: null }, bye: true };
  if (c === 'how-much-more') return { state: s, prompt: howMuchMore(s) };
  const t = s.task;
  switch (s.phase.at) {
    case 'ready': {
      const zone = goToZone(text);
      if (zone !== null) return busy(s, { kind: 'light-zone', zone });
      return c === 'ready' ? busy(s, { kind: 'next-task' }) : notUnderstood(s);
    }
    case 'lights':
      return c === 'ready' ? { state: s, prompt: s.prompt } : notUnderstood(s);
    case 'location':
      if (!t) return notUnderstood(s);
      return atSlot(s, t, s.phase.wrong, text, c);
    case 'quantity': {
      if (!t) return notUnderstood(s);
      if (c === 'skip-slot') return busy(s, { kind: 'skip', lineId: t.lineId });
      if (c === 'short-product') return say(s, { at: 'short-quantity' }, HOW_MANY);
      const n = quantity(text);
      if (n === null) return notUnderstood(s);
      if (n === t.quantity) return busy(s, { kind: 'confirm', lineId: t.lineId, quantity: n });
      if (n > t.quantity)
        return say(s, s.phase, {
          text: `You said ${n}, I asked for ${t.quantity}. Quantity?`,
          expect: 'quantity',
        });
      return say(
        s,
        { at: 'confirm-short', said: n },
        {
          text: `You said ${n}, I asked for ${t.quantity}. Short product?`,
          expect: 'yes-no',
        },
      );
    }
    case 'confirm-short':
      if (c === 'yes') return say(s, { at: 'reason', said: s.phase.said }, REASON);
      if (c === 'no' && t) return say(s, { at: 'quantity' }, pick(t));
      return notUnderstood(s);
    case 'short-quantity': {
      const n = quantity(text);
      if (n === null || !t) return notUnderstood(s);
      if (n >= t.quantity)
        return say(s, s.phase, {
          text: `A short is less than ${t.quantity}. How many did you pick?`,
          expect: 'quantity',
        });
      return say(s, { at: 'reason', said: n }, REASON);
    }
    case 'reason': {
      const r = reason(text);
      if (r === null || !t) return notUnderstood(s);
      return busy(s, { kind: 'short', lineId: t.lineId, quantity: s.phase.said, reason: r });
    }
  }
}

/** At the slot: only the location's check digits open the pick. */
function atSlot(
  s: DialogState,
  t: VoiceTask,
  wrong: number,
  text: string,
  c: Command | null,
): Step {
  if (c === 'skip-slot') return busy(s, { kind: 'skip', lineId: t.lineId });
  // a short records a quantity too: it waits for the check digits like a pick
  if (c === 'short-product')
    return say(s, s.phase, {
      text: `Check digits first. ${where(t)}`,
      expect: s.prompt?.expect ?? 'check-digits',
    });
  if (t.checkDigits === null)
    return c === 'ready' ? say(s, { at: 'quantity' }, pick(t)) : notUnderstood(s);
  const heard = digitString(text);
  if (heard === null) return notUnderstood(s);
  if (heard === t.checkDigits) return say(s, { at: 'quantity' }, pick(t));
  const again = wrong >= 1;
  return say(
    s,
    { at: 'location', wrong: wrong + 1 },
    {
      text: again
        ? `Wrong check digits again. ${where(t)} Say the check digits, or skip slot.`
        : `Wrong check digits. ${where(t)}`,
      expect: 'check-digits',
    },
  );
}

const HOW_MANY: Prompt = { text: 'Short product. How many did you pick?', expect: 'quantity' };
const REASON: Prompt = {
  text: `Reason? ${REASONS.map((r, i) => `${i + 1} ${r}`).join(', ')}.`,
  expect: 'reason',
};

function atLocation(s: DialogState, t: VoiceTask, lead: string): Step {
  return say(
    { ...s, task: t },
    { at: 'location', wrong: 0 },
    {
      text: `${lead}${t.skipped ? 'Skipped slot. ' : ''}${where(t)}`,
      expect: t.checkDigits === null ? 'ready' : 'check-digits',
    },
  );
}

function where(t: VoiceTask): string {
  return t.aisle !== null && t.slot !== null
    ? `Aisle ${t.aisle}, slot ${t.slot}.`
    : `Location ${t.location}.`;
}

function pick(t: VoiceTask): Prompt {
  return {
    text: `Pick ${t.quantity}${t.description ? `, ${t.description}` : ''}.`,
    expect: 'quantity',
  };
}

function newOrder(prev: VoiceTask | null, t: VoiceTask): string {
  if (prev?.orderId === t.orderId) return '';
  return `Order ${t.orderId}${t.container ? `, container ${t.container}` : ''}. `;
}

function nothingLeft(s: DialogState): Prompt {
  return { text: `No work in zone ${s.zone}. Say ready to check again.`, expect: 'ready' };
}

function lit(s: DialogState, zone: string, t: LightTask | null): Step {
  if (!t)
    return say(
      { ...s, task: null },
      { at: 'ready' },
      {
        text: `No work in zone ${zone}. Say ready.`,
        expect: 'ready',
      },
    );
  const n = t.lineIds.length;
  return say(
    { ...s, task: null },
    { at: 'lights', zone, orderId: t.orderId, left: n },
    {
      text: `Go to zone ${zone}. Order ${t.orderId}${t.color ? `, colour ${t.color}` : ''}: ${lines(n)} lit. Press each light.`,
      expect: 'ready',
    },
  );
}

/** The dialog follows the key presses of the lit order. */
function pressed(s: DialogState, location: string, left: number): Step {
  if (s.phase.at !== 'lights') return { state: s };
  const zone = s.phase.zone;
  if (left > 0)
    return say(
      s,
      { ...s.phase, left },
      {
        text: `${location} done. ${lines(left)} left in zone ${zone}.`,
        expect: 'ready',
      },
    );
  return say(s, { at: 'ready' }, { text: `Zone ${zone} done. Say ready.`, expect: 'ready' });
}

const lines = (n: number) => `${n} ${n === 1 ? 'line' : 'lines'}`;

function howMuchMore(s: DialogState): Prompt {
  const p = s.prompt ?? SAY_READY;
  if (s.phase.at === 'lights')
    return {
      text: `${lines(s.phase.left)} left in zone ${s.phase.zone}. ${p.text}`,
      expect: p.expect,
    };
  if (!s.task) return { text: `No assignment. ${p.text}`, expect: p.expect };
  const { units } = s.task.left;
  const l = lines(s.task.left.lines);
  const u = `${units} ${units === 1 ? 'unit' : 'units'}`;
  return { text: `${l}, ${u} left. ${p.text}`, expect: p.expect };
}

function notUnderstood(s: DialogState): Step {
  const p = s.prompt ?? SAY_READY;
  return { state: s, prompt: { text: `Say again? ${p.text}`, expect: p.expect } };
}

function say(s: DialogState, phase: Phase, prompt: Prompt): Step {
  return { state: { ...s, phase, prompt }, prompt };
}

function busy(s: DialogState, intent: Intent): Step {
  return { state: { ...s, phase: { at: 'busy' } }, intent };
}
