/**
 * Bearer-token roles (CONTRACTS.md §1): a missing or unknown token → 401,
 * a known token of a role the route does not allow → 403. Tokens are
 * compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PicklineError } from '../config/errors.ts';
import type { Role } from '../config/schema.ts';

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

export function makeAuthenticator(tokens: Tokens): (req: FastifyRequest) => void {
  const known: { hash: Buffer; role: Role }[] = [];
  for (const [role, list] of Object.entries(tokens) as [Role, string[] | undefined][]) {
    for (const t of list ?? []) known.push({ hash: digest(t), role });
  }
  return (req) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new PicklineError('UNAUTHORIZED', 'Authorization: Bearer <token> is required');
    const h = digest(m[1]);
    const hit = known.find((k) => timingSafeEqual(k.hash, h));
    if (!hit) throw new PicklineError('UNAUTHORIZED', 'unknown token');
    if (!roles.includes(hit.role)) {
      throw new PicklineError(
        'FORBIDDEN',
        `role ${hit.role} may not use this endpoint (allowed: ${roles.join(', ')})`,
      );
    }
    req.role = hit.role;
  };
}
