/**
 * Browser sign-in (contract-extensions.md §1 "browser sessions"): a role token, or an operator's id and PIN,
 * exchanged once for a session kept in an HttpOnly, SameSite=Strict cookie that expires.
 * The pages then call the same API with the cookie instead of a bearer token,
 * under the same roles; a token never appears in a URL.
 */
import { randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../config/schema.ts';
import type { SignOn } from '../controller/voice/signon.ts';
import { PicklineError } from '../kernel/errors.ts';
import { type Tokens, tokenRole } from './auth.ts';
import { SignInThrottle } from './sign-in-throttle.ts';

export const SESSION_COOKIE = 'pickline_session';
export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;

export interface Session {
  role: Role;
  /** the operator signed in with a PIN */
  operator: string | null;
  expiresAt: number;
}

/** Sessions in memory: a restart signs everybody out. Expired ones are dropped when met. */
export class Sessions {
  readonly ttlMs: number;
  readonly #byId = new Map<string, Session>();
  readonly #now: () => number;

  constructor(ttlMs = DEFAULT_SESSION_TTL_MS, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.#now = now;
  }

  create(role: Role, operator: string | null): { id: string; session: Session } {
    const now = this.#now();
    for (const [id, s] of this.#byId) if (s.expiresAt <= now) this.#byId.delete(id);
    const id = randomBytes(32).toString('base64url');
    const session = { role, operator, expiresAt: now + this.ttlMs };
    this.#byId.set(id, session);
    return { id, session };
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.#byId.get(id);
    if (s && s.expiresAt <= this.#now()) {
      this.#byId.delete(id);
      return undefined;
    }
    return s;
  }

  delete(id: string | undefined): void {
    if (id) this.#byId.delete(id);
  }
}

export function sessionOf(req: FastifyRequest, sessions: Sessions): Session | undefined {
  return sessions.get(req.cookies?.[SESSION_COOKIE]);
}

export interface SignInDeps {
  tokens: Tokens;
  sessions: Sessions;
  /** operator PIN checks, shared with the voice terminals (one throttle per operator) */
  signOn: SignOn;
  /** the clock and burst length of the address throttle and its log (tests) */
  now?: () => number;
  burstQuietMs?: number;
}

function setCookie(req: FastifyRequest, reply: FastifyReply, id: string, maxAgeS: number): void {
  reply.setCookie(SESSION_COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
    maxAge: maxAgeS,
  });
}

/**
 * A refusal sent, not thrown: the error handler would log a WARN per try
 * (contract-extensions.md §1 "sign-in throttle": one log line per burst).
 */
function refuse(reply: FastifyReply, e: PicklineError, waitMs = 0): FastifyReply {
  if (waitMs > 0) reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
  return reply.code(e.status).send(e.toJSON());
}

type SignInBody = { secret?: string; operator?: string; pin?: string };

/**
 * `POST /ui/session`: `{"secret"}` (a role token) or `{"operator", "pin"}`.
 * Failures are throttled per client address (api/sign-in-throttle.ts) and PIN
 * failures also per operator (controller/voice/signon.ts): 429
 * TOO_MANY_ATTEMPTS with Retry-After, the try not checked.
 */
export async function signInRoutes(app: FastifyInstance, d: SignInDeps): Promise<void> {
  const throttle = new SignInThrottle({ log: app.log, now: d.now, quietMs: d.burstQuietMs });
  app.addHook('onClose', async () => throttle.close());
  const text = { type: 'string', minLength: 1, maxLength: 64 } as const;
  app.post<{ Body: SignInBody }>(
    '/ui/session',
    {
      schema: {
        tags: ['health'],
        summary: 'Browser sign-in: a role token, or an operator id and PIN → session cookie',
        description:
          'Body `{"secret": token}` or `{"operator", "pin"}`. Answers the role and sets an HttpOnly, ' +
          'SameSite=Strict cookie that expires; the pages call the API with it. Failed sign-ins are ' +
          'throttled per client address and PIN failures per operator: 429 TOO_MANY_ATTEMPTS with Retry-After.',
        body: {
          type: 'object',
          properties: {
            secret: { type: 'string', minLength: 1, maxLength: 512 },
            operator: text,
            pin: text,
          },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const { secret, operator, pin } = req.body;
      const byPin = operator !== undefined || pin !== undefined;
      if (byPin === (secret !== undefined) || (byPin && (!operator || !pin)))
        throw new PicklineError(
          'INVALID_REQUEST',
          'send {"secret": token} or {"operator", "pin"}',
          [{ path: '/', message: 'either secret, or operator and pin' }],
        );
      const ip = req.ip;
      const wait = throttle.addresses.take(ip);
      if (wait > 0) {
        throttle.note(ip, { refused: true, operator });
        return refuse(
          reply,
          new PicklineError(
            'TOO_MANY_ATTEMPTS',
            `too many failed sign-ins from this address: try again in ${Math.ceil(wait / 1000)} s`,
          ),
          wait,
        );
      }
      let role: Role | undefined;
      if (operator !== undefined && pin !== undefined) {
        const r = await d.signOn.attempt(operator, pin);
        if (!r.ok && r.waitMs > 0) {
          throttle.addresses.release(ip); // not checked: no failure of the address
          throttle.note(ip, { refused: true, operator });
          return refuse(
            reply,
            new PicklineError(
              'TOO_MANY_ATTEMPTS',
              `too many wrong PINs for ${operator}: try again in ${Math.ceil(r.waitMs / 1000)} s`,
            ),
            r.waitMs,
          );
        }
        if (!r.ok) {
          throttle.note(ip, { refused: false, operator });
          return refuse(reply, new PicklineError('UNAUTHORIZED', 'unknown operator or wrong PIN'));
        }
        role = 'operator';
      } else {
        role = tokenRole(d.tokens, (secret ?? '').trim());
        if (!role) {
          throttle.note(ip, { refused: false });
          return refuse(reply, new PicklineError('UNAUTHORIZED', 'unknown token'));
        }
      }
      throttle.addresses.release(ip);
      const { id, session } = d.sessions.create(role, operator ?? null);
      setCookie(req, reply, id, Math.floor(d.sessions.ttlMs / 1000));
      return {
        role,
        operator: operator ?? null,
        expiresAt: new Date(session.expiresAt).toISOString(),
      };
    },
  );

  app.get(
    '/ui/session',
    { schema: { tags: ['health'], summary: 'The browser session: role and expiry' } },
    async (req) => {
      const s = sessionOf(req, d.sessions);
      if (!s) throw new PicklineError('UNAUTHORIZED', 'not signed in');
      return { role: s.role, operator: s.operator, expiresAt: new Date(s.expiresAt).toISOString() };
    },
  );

  app.delete(
    '/ui/session',
    { schema: { tags: ['health'], summary: 'Sign out' } },
    async (req, reply) => {
      d.sessions.delete(req.cookies?.[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  );
}
