/**
 * Browser sign-in (issue 11): a role token, or an operator's PIN, exchanged
 * once for a session kept in an HttpOnly, SameSite=Strict cookie that expires.
 * The pages then call the same API with the cookie instead of a bearer token,
 * under the same roles; a token never appears in a URL.
 */
import { randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PicklineError } from '../config/errors.ts';
import type { Role } from '../config/schema.ts';
import { equalSecrets, type Tokens, tokenRole } from './auth.ts';

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
  /** operators that may sign in with a PIN (config `operators[]`) */
  operators: { id: string; pin?: string }[];
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

export async function signInRoutes(app: FastifyInstance, d: SignInDeps): Promise<void> {
  app.post<{ Body: { secret: string } }>(
    '/ui/session',
    {
      schema: {
        tags: ['health'],
        summary: 'Browser sign-in: a role token or an operator PIN → session cookie',
        description:
          'Answers the role and sets an HttpOnly, SameSite=Strict cookie that expires; the pages call the API with it.',
        body: {
          type: 'object',
          properties: { secret: { type: 'string', minLength: 1, maxLength: 512 } },
          required: ['secret'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const secret = req.body.secret.trim();
      let role = tokenRole(d.tokens, secret);
      let operator: string | null = null;
      if (!role && /^[0-9]{4,8}$/.test(secret)) {
        const hits = d.operators.filter((o) => o.pin !== undefined && equalSecrets(o.pin, secret));
        if (hits.length === 1) {
          role = 'operator';
          operator = hits[0].id;
        }
      }
      if (!role) throw new PicklineError('UNAUTHORIZED', 'unknown token or PIN');
      const { id, session } = d.sessions.create(role, operator);
      setCookie(req, reply, id, Math.floor(d.sessions.ttlMs / 1000));
      return { role, operator, expiresAt: new Date(session.expiresAt).toISOString() };
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
