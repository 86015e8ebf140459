/**
 * The terminal → controller messages of the voice WebSocket, checked against
 * their schemas (CONTRACTS.md §3; contract-extensions.md "Voice terminals"):
 * what is refused, and what the refusal says.
 */
import { describe, expect, it } from 'vitest';
import { readMessage } from '../../api/voice/messages.ts';
import { isPicklineError } from '../../kernel/errors.ts';

const text = (m: unknown) => Buffer.from(typeof m === 'string' ? m : JSON.stringify(m));

/** The VOICE_BAD_MESSAGE refusal of a frame (fails when the frame is taken). */
function refusal(frame: Buffer, isBinary = false): string {
  try {
    readMessage(frame, isBinary);
  } catch (e) {
    if (isPicklineError(e, 'VOICE_BAD_MESSAGE')) return e.message;
    throw e;
  }
  throw new Error(`taken: ${frame.toString()}`);
}

describe('voice messages', () => {
  it('takes each message type, ignoring fields it does not define', () => {
    const hello = { type: 'hello', operator: 'op1', pin: '1234', mode: 'audio', prompts: 'text' };
    expect(readMessage(text({ ...hello, firmware: '2.1' }), false)).toMatchObject(hello);
    expect(readMessage(text({ type: 'words', promptId: 'p-1', text: 'four two' }), false)).toEqual({
      type: 'words',
      promptId: 'p-1',
      text: 'four two',
    });
    for (const type of ['audio-end', 'bye'])
      expect(readMessage(text({ type }), false)).toEqual({ type });
    expect(readMessage(text({ type: 'audio-start', promptId: 'p-9' }), false)).toEqual({
      type: 'audio-start',
      promptId: 'p-9',
    });
  });

  it('refuses what is not a message: not JSON, not an object with a string type, binary', () => {
    expect(refusal(text('{not json'))).toBe('the frame is not JSON');
    for (const m of ['[1,2]', '"hello"', 'null', '{"type":7}', '{}'])
      expect(refusal(text(m))).toBe('a message is a JSON object with a string "type"');
    expect(refusal(Buffer.from([1, 2, 3]), true)).toMatch(/^binary frames carry audio/);
  });

  it('names an unknown type and the known ones', () => {
    expect(refusal(text({ type: 'dance' }))).toBe(
      'unknown message type "dance" (hello, words, audio-start, audio-end, bye)',
    );
    expect(refusal(text({ type: '__proto__' }))).toMatch(/^unknown message type "__proto__"/);
  });

  it('names every wrong field once, in the order of the message', () => {
    expect(refusal(text({ type: 'hello', mode: 'video', pin: 1234, operator: 'op1' }))).toBe(
      '"pin" must be a string of 1 to 64 characters; "mode" is "text" or "audio"',
    );
    expect(refusal(text({ type: 'hello' }))).toBe(
      '"operator" must be a string of 1 to 64 characters; "pin" must be a string of 1 to 64 characters',
    );
    expect(
      refusal(text({ type: 'hello', operator: 'op1', pin: '1', zone: '', prompts: 'video' })),
    ).toBe('"zone" must be a string of 1 to 64 characters; "prompts" is "text" or "audio"');
    expect(refusal(text({ type: 'words', promptId: 'p-1', text: 'x'.repeat(201) }))).toBe(
      '"text" must be a string of 1 to 200 characters',
    );
    expect(refusal(text({ type: 'audio-start', promptId: 'p'.repeat(65) }))).toBe(
      '"promptId" must be a string of 1 to 64 characters',
    );
  });
});
