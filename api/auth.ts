/**
 * Bearer-token roles (CONTRACTS.md §1): a missing or unknown token → 401,
 * a known token of a role the route does not allow → 403. Tokens are
 * compared in constant time. A browser signed in (api/session.ts) presents
 * its session cookie instead, under the same roles.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../config/schema.ts';
import { PicklineError } from '../kernel/errors.ts';

export type Tokens = Partial<Record<Role, string[]>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** roles allowed on the route; absent = public */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    role?: Role;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length. */
export function equalSecrets(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The role of a token, if it is one of the configured tokens. */
export function tokenRole(tokens: Tokens, token: string): Role | undefined {
  const h = digest(token);
  let hit: Role | undefined;
  for (const [role, list] of Object.entries(tokens) as [Role, string[] | undefined][]) {
    for (const t of list ?? []) if (timingSafeEqual(digest(t), h)) hit ??= role;
  }
  return hit;
}

export function makeAuthenticator(
  tokens: Tokens,
  /** the role of the request's browser session, if any (api/session.ts) */
  sessionRole: (req: FastifyRequest) => Role | undefined = () => undefined,
): (req: FastifyRequest) => void {
  const known: { hash: Buffer; role: Role }[] = [];
  for (const [role, list] of Object.entries(tokens) as [Role, string[] | undefined][]) {
    for (const t of list ?? []) known.push({ hash: digest(t), role });
  }
  return (req) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const header = req.headers.authorization;
    let role: Role | undefined;
    if (header === undefined) {
      role = sessionRole(req);
      if (!role)
        throw new PicklineError('UNAUTHORIZED', 'Authorization: Bearer <token> is required');
    } else {
      const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!m) throw new PicklineError('UNAUTHORIZED', 'Authorization: Bearer <token> is required');
      const h = digest(m[1]);
      role = known.find((k) => timingSafeEqual(k.hash, h))?.role;
      if (!role) throw new PicklineError('UNAUTHORIZED', 'unknown token');
    }
    if (!roles.includes(role)) {
      throw new PicklineError(
        'FORBIDDEN',
        `role ${role} may not use this endpoint (allowed: ${roles.join(', ')})`,
      );
    }
    req.role = role;
  };
}
