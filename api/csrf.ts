/**
 * Cross-origin writes (contract-extensions.md §1 "cross-origin writes"). SameSite=Strict does not stop a page
 * on another port of the same host: the browser sends the session cookie with
 * its `fetch(…, {mode: 'no-cors', credentials: 'include'})`. So a browser
 * request that may change something (POST, PUT, PATCH, DELETE, with or
 * without a body) and carries the session cookie must prove it comes from a
 * page of the controller itself: an `Origin` equal to one of the controller's
 * own origins (the scheme and Host of the request, which follow
 * `api.trustProxy`, or one of `api.allowedOrigins`), or `Sec-Fetch-Site:
 * same-origin`. Otherwise 403 CROSS_ORIGIN and nothing runs. A request
 * without the cookie but with a foreign `Origin` (a sign-in posted from
 * another site) is refused the same way. Requests with an `Authorization`
 * header (bearer-token clients) are not cookie-authenticated and pass.
 */
import type { FastifyRequest } from 'fastify';
import { PicklineError } from '../kernel/errors.ts';
import { SESSION_COOKIE } from './session.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `scheme://host[:port]` in the form browsers send, or null for what is not an origin. */
export function normaliseOrigin(origin: string): string | null {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

export function sameOriginGuard(allowedOrigins: readonly string[] = []) {
  const allowed = new Set(
    allowedOrigins.map(normaliseOrigin).filter((o): o is string => o !== null),
  );
  return async (req: FastifyRequest): Promise<void> => {
    if (!UNSAFE.has(req.method) || req.headers.authorization !== undefined) return;
    const origin = req.headers.origin;
    const cookie = req.cookies?.[SESSION_COOKIE] !== undefined;
    if (!cookie && origin === undefined) return;
    if (req.headers['sec-fetch-site'] === 'same-origin') return;
    if (typeof origin === 'string') {
      const o = normaliseOrigin(origin);
      if (o !== null && (allowed.has(o) || o === normaliseOrigin(`${req.protocol}://${req.host}`)))
        return;
    }
    throw new PicklineError(
      'CROSS_ORIGIN',
      `${req.method} with the session cookie from ${origin === undefined ? 'no Origin' : `Origin ${origin}`}: only pages of this controller may change things (api.allowedOrigins lists the origins of a reverse proxy)`,
    );
  };
}
