/**
 * The terminal → controller messages of the voice WebSocket (CONTRACTS.md §3,
 * additions in contract-extensions.md "Voice terminals"), as TypeBox schemas
 * checked by the project's Ajv (config/validate.ts). A frame that is not
 * JSON, not an object with a string `type`, of an unknown type, or with a
 * field out of its schema is refused with `VOICE_BAD_MESSAGE`; the message
 * names every field that is wrong, in the order of the schema. Fields a
 * message does not define are ignored (a newer terminal may send more).
 */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { RawData } from 'ws';
import { makeAjv } from '../../config/validate.ts';
import { PicklineError } from '../../kernel/errors.ts';

/** ids (operator, PIN, terminal, zone, prompt): 1 to 64 characters */
export const MAX_ID = 64;
/** the words of one answer: 1 to 200 characters */
export const MAX_TEXT = 200;

/** A string field; `x-message` is what a refusal says about it. */
const text = (key: string, max: number) =>
  T.String({
    minLength: 1,
    maxLength: max,
    'x-message': `"${key}" must be a string of 1 to ${max} characters`,
  });
const oneOf = <const V extends readonly string[]>(key: string, values: V) =>
  T.Unsafe<V[number]>({
    type: 'string',
    enum: [...values],
    'x-message': `"${key}" is ${values.map((v) => `"${v}"`).join(' or ')}`,
  });

const Hello = T.Object({
  type: T.Literal('hello'),
  operator: text('operator', MAX_ID),
  pin: text('pin', MAX_ID),
  terminalId: T.Optional(text('terminalId', MAX_ID)),
  /** a voice zone (default: the site's first) */
  zone: T.Optional(text('zone', MAX_ID)),
  mode: T.Optional(oneOf('mode', ['text', 'audio'] as const)),
  /** "audio": every prompt frame is followed by the prompt as WAV */
  prompts: T.Optional(oneOf('prompts', ['text', 'audio'] as const)),
});
const Words = T.Object({
  type: T.Literal('words'),
  promptId: text('promptId', MAX_ID),
  text: text('text', MAX_TEXT),
});
const AudioStart = T.Object({ type: T.Literal('audio-start'), promptId: text('promptId', MAX_ID) });
const AudioEnd = T.Object({ type: T.Literal('audio-end') });
const Bye = T.Object({ type: T.Literal('bye') });

export type HelloMessage = Static<typeof Hello>;
export type WordsMessage = Static<typeof Words>;
export type AudioStartMessage = Static<typeof AudioStart>;
export type TerminalMessage =
  | HelloMessage
  | WordsMessage
  | AudioStartMessage
  | Static<typeof AudioEnd>
  | Static<typeof Bye>;

const SCHEMAS: Record<TerminalMessage['type'], TSchema> = {
  hello: Hello,
  words: Words,
  'audio-start': AudioStart,
  'audio-end': AudioEnd,
  bye: Bye,
};
const TYPES = Object.keys(SCHEMAS).join(', ');

const ajv = makeAjv({ useDefaults: false });
const Envelope = T.Object({ type: T.String() });
const checkEnvelope = ajv.compile<Static<typeof Envelope>>(Envelope);
const checks = new Map<string, { schema: TSchema; check: ValidateFunction }>(
  Object.entries(SCHEMAS).map(([type, schema]) => [type, { schema, check: ajv.compile(schema) }]),
);

/**
 * The message in a text frame, validated; throws `VOICE_BAD_MESSAGE`
 * otherwise. Binary frames are audio and are taken by the connection before
 * this (mode "audio", signed on); any other binary frame is refused here.
 */
export function readMessage(data: RawData, isBinary: boolean): TerminalMessage {
  if (isBinary) throw bad('binary frames carry audio: only in mode "audio", after hello');
  let m: unknown;
  try {
    m = JSON.parse(data.toString());
  } catch {
    throw bad('the frame is not JSON');
  }
  if (!checkEnvelope(m)) throw bad('a message is a JSON object with a string "type"');
  const known = checks.get(m.type);
  if (!known) throw bad(`unknown message type "${m.type}" (${TYPES})`);
  if (!known.check(m)) throw bad(describe(known.schema, known.check.errors ?? []));
  return m as TerminalMessage;
}

/** Each wrong field's `x-message`, once, in schema order. */
function describe(schema: TSchema, errors: ErrorObject[]): string {
  const props = (schema.properties ?? {}) as Record<string, { 'x-message'?: string }>;
  const wrong = new Set(
    errors.map((e) =>
      e.keyword === 'required'
        ? String((e.params as { missingProperty: string }).missingProperty)
        : e.instancePath.split('/')[1],
    ),
  );
  const said = Object.keys(props)
    .filter((k) => wrong.has(k))
    .map((k) => props[k]['x-message'] ?? `"${k}" is invalid`);
  return said.length > 0 ? said.join('; ') : 'the message does not match its schema';
}

/** The bytes of a binary frame (ws hands over a Buffer, an ArrayBuffer or fragments). */
export function toBuffer(data: RawData): Buffer {
  return Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data as ArrayBuffer);
}

export function frameBytes(data: RawData): number {
  return Array.isArray(data)
    ? data.reduce((n, b) => n + b.length, 0)
    : (data as Buffer | ArrayBuffer).byteLength;
}

export function bad(message: string): PicklineError {
  return new PicklineError('VOICE_BAD_MESSAGE', message);
}
