/**
 * All the voice gateway asks of the controller (CONTRACTS.md §3): the
 * operators' dialogs, which controller/voice/desk.ts `VoiceDesk` carries out
 * against the floor, and the PIN check of controller/voice/signon.ts. The
 * gateway calls nothing else of the controller, so how the desk reaches the
 * floor can change without touching api/voice/.
 */
import type { GrammarContext } from '../../controller/speech/grammar.ts';
import type { DeskAnswer } from '../../controller/voice/desk.ts';

export type { DeskAnswer };

/** The prompt a dialog waits on, with what its speech grammar accepts. */
export type Listening = GrammarContext & { promptId: string };

export interface VoiceDialogs {
  /** After sign-on: the operator's open prompt (resume) or a new dialog in `zone`. */
  open(operator: string, zone?: string): Promise<DeskAnswer>;
  /** The worker's words at the open prompt. */
  say(operator: string, text: string): Promise<DeskAnswer>;
  /** Audio mode: nothing recognised; the prompt is asked again. */
  unheard(operator: string): Promise<DeskAnswer>;
  /** The operator's open prompt (null: none). */
  listening(operator: string): Listening | null;
  /** Prompts said unasked (voice + light); returns the unsubscribe. */
  onPush(listener: (operator: string, a: DeskAnswer) => void): () => void;
}

export interface PinCheck {
  /** Resolves for the right PIN; rejects VOICE_SIGNON_FAILED / VOICE_SIGNON_THROTTLED. */
  check(operator: string, pin: string): Promise<void>;
}
