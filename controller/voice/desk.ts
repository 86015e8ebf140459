/**
 * The voice desk: one dialog per signed-on operator, carried out against
 * the floor's commands (CONTRACTS.md §3). The desk gives prompt ids and
 * keeps each operator's last prompt, so a terminal that drops and comes
 * back (same operator) gets the same prompt and id again; after a controller
 * restart the dialog starts at the line the operator holds (the engine keeps
 * the assignment in the store), so nothing is recorded twice. An operator's
 * words are handled one at a time, in order.
 */
import { isPicklineError, PicklineError } from '../../kernel/errors.ts';
import type { FloorCommands } from '../engine/commands.ts';
import type { Site } from '../site.ts';
import type { GrammarContext } from '../speech/grammar.ts';
import { type DialogEvent, type DialogState, initialState, type Prompt, step } from './dialog.ts';

export interface OpenPrompt extends Prompt {
  promptId: string;
}

/** What the terminal gets after a hello or words: the next prompt, or bye. */
export type DeskAnswer = { prompt: OpenPrompt } | { bye: true };

type VoiceCommands = Pick<
  FloorCommands,
  'currentTask' | 'nextTask' | 'confirm' | 'short' | 'skip' | 'lightTask'
>;

/** A recorded line, as the event feed tells it (voice + light follows the key presses). */
export interface LineRecorded {
  lineId: string;
  location: string | null;
}

interface Desk {
  operator: string;
  state: DialogState;
  prompt: OpenPrompt | null;
  queue: Promise<unknown>;
}

export class VoiceDesk {
  readonly #commands: VoiceCommands;
  readonly #site: Site;
  readonly #desks = new Map<string, Desk>();
  /** voice + light: lit line → the operator whose dialog follows it */
  readonly #followed = new Map<string, string>();
  readonly #pushListeners = new Set<(operator: string, a: DeskAnswer) => void>();
  #seq = 0;

  constructor(commands: VoiceCommands, site: Site) {
    this.#commands = commands;
    this.#site = site;
  }

  /** Prompts the controller says unasked (voice + light: a key press was recorded). */
  /** operators with a dialog open (signed on, or dropped and not yet back) */
  get sessions(): number {
    return this.#desks.size;
  }

  onPush(listener: (operator: string, a: DeskAnswer) => void): () => void {
    this.#pushListeners.add(listener);
    return () => this.#pushListeners.delete(listener);
  }

  /** Feed of recorded lines (the composition root wires the outbox's line events here). */
  lineRecorded(e: LineRecorded): void {
    const operator = this.#followed.get(e.lineId);
    if (operator === undefined) return;
    this.#followed.delete(e.lineId);
    const d = this.#desks.get(operator);
    if (!d) return;
    const left = [...this.#followed.values()].filter((o) => o === operator).length;
    const location = e.location ?? e.lineId;
    void this.#run(d, { type: 'pressed', location, left }).then(
      (a) => {
        for (const l of this.#pushListeners) l(operator, a);
      },
      () => {},
    );
  }

  /**
   * After sign-on: the open prompt of the operator's dialog (resume), else a
   * new dialog in `zone` (default: the first voice zone), starting at the
   * line the operator holds there, if any.
   */
  open(operator: string, zone?: string): Promise<DeskAnswer> {
    const d = this.#desks.get(operator);
    if (d?.prompt && (zone === undefined || zone === d.state.zone))
      return d.queue.then(() => this.#answer(d));
    const z = zone ?? this.#voiceZones()[0];
    if (z === undefined) throw new PicklineError('ZONE_NOT_FOUND', 'the site has no voice zone');
    const task = this.#commands.currentTask({ zone: z, operator });
    const fresh: Desk = {
      operator,
      state: initialState(z),
      prompt: null,
      queue: Promise.resolve(),
    };
    this.#desks.set(operator, fresh);
    return this.#run(fresh, { type: 'start', task });
  }

  /** The open prompt id of the operator's dialog (null: none open). */
  openPrompt(operator: string): OpenPrompt | null {
    return this.#desks.get(operator)?.prompt ?? null;
  }

  /** The worker's words at the open prompt. */
  say(operator: string, text: string): Promise<DeskAnswer> {
    const d = this.#desks.get(operator);
    if (!d) throw new PicklineError('VOICE_OUT_OF_TURN', `${operator} is not signed on`);
    return this.#run(d, { type: 'words', text });
  }

  /** Audio mode: the worker spoke but was not understood; the prompt is asked again. */
  unheard(operator: string): Promise<DeskAnswer> {
    const d = this.#desks.get(operator);
    if (!d) throw new PicklineError('VOICE_OUT_OF_TURN', `${operator} is not signed on`);
    return this.#run(d, { type: 'unheard' });
  }

  /**
   * What the open prompt accepts, for its speech grammar: the expectation,
   * the location's check digits and the requested quantity (null: no prompt open).
   */
  listening(operator: string): (GrammarContext & { promptId: string }) | null {
    const d = this.#desks.get(operator);
    if (!d?.prompt) return null;
    const t = d.state.task;
    return {
      promptId: d.prompt.promptId,
      expect: d.prompt.expect,
      checkDigits: t?.checkDigits ?? null,
      quantity: t?.quantity ?? null,
    };
  }

  #run(d: Desk, first: DialogEvent): Promise<DeskAnswer> {
    const next = d.queue.then(() => this.#steps(d, first));
    d.queue = next.catch(() => {});
    return next;
  }

  async #steps(d: Desk, first: DialogEvent): Promise<DeskAnswer> {
    let event: DialogEvent | null = first;
    while (event) {
      const r = step(d.state, event);
      d.state = r.state;
      event = null;
      if (r.bye) {
        this.#desks.delete(d.operator);
        return { bye: true };
      }
      if (r.prompt) d.prompt = { ...r.prompt, promptId: `p-${++this.#seq}` };
      if (r.intent) {
        d.prompt = null; // no prompt is open while the engine works
        event = await this.#carryOut(d, r.intent);
      }
    }
    return this.#answer(d);
  }

  async #carryOut(
    d: Desk,
    intent: NonNullable<ReturnType<typeof step>['intent']>,
  ): Promise<DialogEvent> {
    const operator = d.operator;
    const zone = d.state.zone;
    try {
      switch (intent.kind) {
        case 'next-task':
          return { type: 'task', task: this.#commands.nextTask({ zone, operator }) };
        case 'skip':
          return { type: 'task', task: this.#commands.skip({ lineId: intent.lineId, operator }) };
        case 'light-zone': {
          const task = await this.#commands.lightTask({ zone: intent.zone, operator });
          for (const [line, op] of this.#followed) if (op === operator) this.#followed.delete(line);
          for (const line of task?.lineIds ?? []) this.#followed.set(line, operator);
          return { type: 'lit', zone: intent.zone, task };
        }
        case 'confirm':
          await this.#commands.confirm({ ...intent, via: 'voice', operator });
          break;
        case 'short':
          await this.#commands.short({ ...intent, via: 'voice', operator });
          break;
      }
      return { type: 'task', task: this.#commands.nextTask({ zone, operator }) };
    } catch (e) {
      if (!isPicklineError(e) || intent.kind === 'next-task') throw e;
      if (intent.kind === 'light-zone') return { type: 'lit', zone: intent.zone, task: null };
      return { type: 'failed', message: e.message };
    }
  }

  #answer(d: Desk): DeskAnswer {
    if (!d.prompt)
      throw new PicklineError('VOICE_OUT_OF_TURN', `no prompt is open for ${d.operator}`);
    return { prompt: d.prompt };
  }

  #voiceZones(): string[] {
    return [...this.#site.zones.values()].filter((z) => z.mode === 'voice').map((z) => z.id);
  }
}
