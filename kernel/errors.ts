/**
 * The one catalogue of Pickline error codes. `config/` is the bottom layer, so
 * every layer (api, controller, device-drivers, simulators) may import it.
 *
 * Codes are stable: integrators match on them. Never rename one; add new ones.
 * `docs/errors.md` lists the same codes (a test keeps the two in step).
 */
export const ERRORS = {
  // --- API / request level
  UNAUTHORIZED: { status: 401, text: 'Missing or unknown bearer token.' },
  FORBIDDEN: { status: 403, text: "The token's role may not use this endpoint." },
  CROSS_ORIGIN: {
    status: 403,
    text: 'A browser request that changes something came from another origin (no same-origin Origin or Sec-Fetch-Site).',
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    text: 'Too many failed sign-ins from this address or for this operator: wait Retry-After seconds.',
  },
  NOT_FOUND: { status: 404, text: 'No such resource.' },
  BAD_REQUEST: { status: 400, text: 'The request is malformed (syntax, parameters).' },
  PAYLOAD_TOO_LARGE: { status: 413, text: 'The body exceeds the configured limit.' },
  REQUEST_TIMEOUT: { status: 408, text: 'The request did not arrive completely in time.' },
  HEADERS_TOO_LARGE: { status: 431, text: 'The request headers exceed the server limit.' },
  INTERNAL: { status: 500, text: 'Unexpected failure; see the controller log.' },
  NOT_READY: { status: 503, text: 'The controller is starting or a dependency is down.' },
  // --- waves and orders
  INVALID_WAVE: { status: 400, text: 'The wave breaks the schema; one detail per problem.' },
  WAVE_CONFLICT: { status: 409, text: 'Same waveId already accepted with a different body.' },
  ORDER_CONFLICT: { status: 409, text: 'An orderId or lineId already belongs to another wave.' },
  UNKNOWN_LOCATION: { status: 422, text: 'A line names a location the site does not have.' },
  UNKNOWN_PUT_WALL: {
    status: 422,
    text: 'An order names a put wall or cubby the site does not have.',
  },
  CONTAINER_IN_USE: {
    status: 409,
    text: 'A container of the wave belongs to an open order (a scan could start only one).',
  },
  WAVE_NOT_FOUND: { status: 404, text: 'No wave with that waveId.' },
  ORDER_NOT_FOUND: { status: 404, text: 'No order with that orderId.' },
  WAVE_CLOSED: { status: 409, text: 'The wave is completed or cancelled.' },
  ORDER_CLOSED: { status: 409, text: 'The order is completed or cancelled.' },
  // --- exceptions desk (CONTRACTS.md §7)
  EXCEPTION_NOT_FOUND: { status: 404, text: 'No exception with that exceptionId.' },
  EXCEPTION_RESOLVED: {
    status: 409,
    text: 'The exception is already resolved; it cannot be acknowledged or resolved again.',
  },
  // --- floor operations
  ZONE_NOT_FOUND: { status: 404, text: 'No zone with that id.' },
  LOCATIONS_REJECTED: {
    status: 422,
    text: 'The locations CSV has bad rows (one detail per row, with its line); nothing was imported.',
  },
  LOCATION_NOT_FOUND: {
    status: 404,
    text: 'No location with that id (or it has no module to press).',
  },
  LINE_NOT_FOUND: { status: 404, text: 'No line with that lineId.' },
  LINE_CLOSED: { status: 409, text: 'The line is already picked, shorted or cancelled.' },
  SCAN_NOT_MATCHED: { status: 404, text: 'The scanned code matches nothing open in the zone.' },
  ZONE_BUSY: { status: 409, text: 'The zone cannot take another order or picker now.' },
  SESSION_NOT_FOUND: {
    status: 404,
    text: 'The order has no session (picker and colour) in that zone.',
  },
  OVER_PICK: {
    status: 422,
    text: 'The quantity is above the requested one; over-picks are off in this zone.',
  },
  SHORT_NOT_BELOW_REQUEST: {
    status: 422,
    text: 'A short must record less than the requested quantity.',
  },
  UNKNOWN_OPERATOR: {
    status: 422,
    text: 'The picker is not one of the configured operators.',
  },
  UNKNOWN_SCANNER: {
    status: 422,
    text: 'The scan names a scanner the site does not configure, or one of another zone.',
  },
  TASK_NOT_ASSIGNED: {
    status: 409,
    text: "The line's order is not the operator's task in that voice zone.",
  },
  INVALID_REQUEST: { status: 400, text: 'The body breaks the schema; one detail per problem.' },
  // --- configuration
  CONFIG_INVALID: {
    status: 500,
    text: 'The site configuration breaks the schema or its references.',
  },
  CONFIG_UNREADABLE: { status: 500, text: 'The configuration file cannot be read or parsed.' },
  // --- devices and buses
  BUS_NOT_FOUND: { status: 404, text: 'No bus with that id.' },
  MODULE_NOT_FOUND: { status: 404, text: 'No module at that bus address.' },
  MODULE_BUSY: {
    status: 409,
    text: 'The module shows a pick job or a done indicator, or a technician task holds it.',
  },
  ADDRESS_IN_USE: { status: 409, text: 'A module already answers at the target address.' },
  READDRESS_NOT_ARMED: { status: 404, text: 'No re-address is armed on that module.' },
  DEVICE_TIMEOUT: { status: 504, text: 'A device did not answer within its timeout.' },
  DEVICE_EXCEPTION: { status: 502, text: 'A device answered with a protocol exception.' },
  DEVICE_CRC: { status: 502, text: 'A frame failed its checksum.' },
  DEVICE_OFFLINE: { status: 503, text: 'The device is offline.' },
  BUS_CLOSED: { status: 503, text: 'The bus is not started or was stopped.' },
  BUS_IO: { status: 502, text: 'The transport (serial port, socket) failed.' },
  PROFILE_INVALID: { status: 500, text: 'A device profile breaks the profile schema.' },
  UNSUPPORTED: {
    status: 501,
    text: 'The device profile (or simulated device family) does not support this operation.',
  },
  // --- voice terminals (CONTRACTS.md §3; sent in `error` frames, status for reference)
  VOICE_SIGNON_FAILED: { status: 401, text: 'Unknown operator or wrong PIN (which is not said).' },
  VOICE_SIGNON_THROTTLED: {
    status: 429,
    text: 'Too many wrong PINs for that operator: wait before the next try.',
  },
  VOICE_BAD_MESSAGE: {
    status: 400,
    text: 'The frame is not a JSON message of the voice protocol, or breaks its schema.',
  },
  VOICE_OUT_OF_TURN: {
    status: 409,
    text: 'Not now: no hello yet, already signed on, or not the open promptId.',
  },
  VOICE_HELLO_TIMEOUT: { status: 408, text: 'No hello arrived in time; the connection closes.' },
  VOICE_SIGNED_ON_ELSEWHERE: {
    status: 409,
    text: 'The operator signed on at another terminal; this one is closed.',
  },
  VOICE_TERMINALS_FULL: {
    status: 503,
    text: 'voice.maxTerminals terminals are signed on; the connection closes (try again later).',
  },
  // --- voice audio mode (CONTRACTS.md §3)
  VOICE_AUDIO_TOO_LONG: {
    status: 413,
    text: 'An utterance or a session sent more audio than allowed; the utterance is dropped.',
  },
  VOICE_RECOGNISER_BUSY: {
    status: 503,
    text: 'The speech recogniser is saturated or did not answer in time: say it again.',
  },
  VOICE_SPEECH_UNAVAILABLE: {
    status: 503,
    text: 'This controller has no speech recogniser (Debian pocketsphinx is missing).',
  },
  // --- store
  STORE_FAILURE: { status: 500, text: 'The database failed; nothing was changed.' },
  BACKUP_REFUSED: {
    status: 422,
    text: 'The backup target is not usable (relative path, exists, no such or no writable directory, the store itself).',
  },
  BACKUP_IN_PROGRESS: { status: 409, text: 'A backup is already running; try again when it ends.' },
  BACKUP_FAILED: { status: 500, text: 'The backup could not be written; nothing was left behind.' },
  RESTORE_REFUSED: {
    status: 422,
    text: 'The file is not a Pickline store, is damaged, or is newer than this Pickline.',
  },
} as const satisfies Record<string, { status: number; text: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorDetail {
  /** JSON path of the offending value, e.g. `/orders/0/lines/2/quantity`. */
  path: string;
  message: string;
}

/** The only error type Pickline throws on purpose. Third-party errors are
 *  converted to it where they enter (drivers, store, config loader). */
export class PicklineError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  readonly status: number;

  constructor(code: ErrorCode, message?: string, details: ErrorDetail[] = [], cause?: unknown) {
    super(message ?? ERRORS[code].text, cause === undefined ? undefined : { cause });
    this.name = 'PicklineError';
    this.code = code;
    this.details = details;
    this.status = ERRORS[code].status;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export function isPicklineError(e: unknown, code?: ErrorCode): e is PicklineError {
  return e instanceof PicklineError && (code === undefined || e.code === code);
}

/** Wraps anything thrown (modbus-serial throws plain objects) in an `Error`. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  if (e && typeof e === 'object' && 'message' in e) {
    const err = new Error(String((e as { message: unknown }).message));
    Object.assign(err, e);
    return err;
  }
  return new Error(String(e));
}
