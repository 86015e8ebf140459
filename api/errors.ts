/**
 * Every error leaves the API in one shape (CONTRACTS.md §1):
 * `{"error": {"code", "message", "details": [{"path", "message"}]}}`.
 * Fastify's own errors (bad JSON, body too large, schema), its router's
 * (bad URL encoding, over-long parameters) and the HTTP server's refusals
 * (request timeout, over-long headers) are converted here.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, type ErrorDetail, PicklineError } from '../kernel/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** code used for malformed / oversize bodies on this route (default BAD_REQUEST) */
    bodyErrorCode?: ErrorCode;
  }
}

export const ErrorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
      required: ['code', 'message', 'details'],
    },
  },
  required: ['error'],
} as const;

/** Longest path parameter the router accepts (fastify's `maxParamLength`). */
export const MAX_PARAM_LENGTH = 100;

/** Fastify `frameworkErrors`: the router's refusals, before any route runs. */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  const e =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new PicklineError(
          'BAD_REQUEST',
          `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
        )
      : err.code === 'FST_ERR_BAD_URL'
        ? new PicklineError('BAD_REQUEST', 'the URL has invalid percent-encoding')
        : new PicklineError('BAD_REQUEST', err.message);
  return reply.status(e.status).send(e.toJSON());
}

/**
 * Fastify `clientErrorHandler`: the HTTP server refused the request before
 * fastify saw it (`this` is the fastify instance). Writes the error shape on
 * the raw socket and closes it, as node and fastify do.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  err: NodeJS.ErrnoException,
  socket: Socket,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new PicklineError('REQUEST_TIMEOUT')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new PicklineError('HEADERS_TOO_LARGE')
        : new PicklineError('BAD_REQUEST', 'malformed HTTP request');
  this.log.debug({ code: e.code, err: err.code }, e.message);
  if (socket.writable) {
    const body = JSON.stringify(e.toJSON());
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_TEXT[e.status] ?? 'Error'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** Raised by the JSON body parser for a key that could pollute prototypes. */
class ForbiddenKey extends Error {
  readonly statusCode = 400;
  readonly code = 'PICKLINE_FORBIDDEN_KEY';
  constructor(readonly path: string) {
    super(`key not allowed: ${path}`);
  }
}

/** JSON pointer of the first `__proto__` key (or `constructor.prototype`), else null. */
function forbiddenKey(v: unknown): string | null {
  const keys = forbiddenPath(v);
  return keys?.map((k) => `/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('') ?? null;
}

/** The keys down to it, the pointer built only when one is found (intake of big waves). */
function forbiddenPath(v: unknown): string[] | null {
  if (v === null || typeof v !== 'object') return null;
  for (const k of Object.keys(v)) {
    const child = (v as Record<string, unknown>)[k];
    if (k === '__proto__') return [k];
    if (k === 'constructor' && child && typeof child === 'object' && 'prototype' in child)
      return [k, 'prototype'];
    if (child === null || typeof child !== 'object') continue;
    const deeper = forbiddenPath(child);
    if (deeper) {
      deeper.unshift(k);
      return deeper;
    }
  }
  return null;
}

/**
 * The JSON body parser: syntax errors say where; `__proto__` keys are refused
 * by name (JSON.parse makes them own data properties, so nothing is polluted
 * before the check). Bodies are JSON only: the text/plain parser is removed,
 * so JSON sent as text/plain is refused with a message naming the type.
 */
function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      const empty = { statusCode: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY' };
      done(Object.assign(new Error('the body is empty'), empty), undefined);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      done(
        Object.assign(new Error(`not valid JSON: ${(e as Error).message}`), { statusCode: 400 }),
        undefined,
      );
      return;
    }
    const bad = forbiddenKey(value);
    done(bad ? new ForbiddenKey(bad) : null, bad ? undefined : value);
  });
}

export function installErrorHandling(app: FastifyInstance): void {
  installJsonParser(app);
  app.setErrorHandler((err: FastifyError | PicklineError, req, reply) => {
    const e = toPicklineError(
      err,
      req.routeOptions?.config?.bodyErrorCode,
      req.headers['content-type'],
    );
    // expected refusals (bad input, a device that did not answer) are one warning
    // line; only unexpected failures carry the stack
    if (e.code === 'INTERNAL' || e.code === 'STORE_FAILURE')
      req.log.error({ err }, 'request failed');
    else req.log.warn({ code: e.code, status: e.status, url: req.url }, e.message);
    return reply.status(e.status).send(e.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new PicklineError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.status(404).send(e.toJSON());
  });
}

function toPicklineError(
  err: FastifyError | PicklineError,
  bodyCode: ErrorCode = 'BAD_REQUEST',
  contentType = 'none',
): PicklineError {
  if (err instanceof PicklineError) return err;
  if (err instanceof ForbiddenKey)
    return new PicklineError(bodyCode, 'the body has a forbidden key', [
      { path: err.path, message: 'key not allowed (prototype pollution)' },
    ]);
  const f = err as FastifyError;
  if (f.validation) {
    const details: ErrorDetail[] = f.validation.map((v) => ({
      path: `${f.validationContext ? `${f.validationContext}:` : ''}${v.instancePath || '/'}`,
      message: v.message ?? 'is invalid',
    }));
    return new PicklineError(
      'INVALID_REQUEST',
      `request breaks the schema: ${details.length} problem(s)`,
      details,
    );
  }
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyCode === 'BAD_REQUEST'
        ? new PicklineError('PAYLOAD_TOO_LARGE', f.message)
        : new PicklineError(bodyCode, 'body too large', [{ path: '/', message: f.message }]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const message = `Content-Type must be application/json (got ${contentType})`;
      return new PicklineError(bodyCode, message, [{ path: '/', message }]);
    }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PicklineError(bodyCode, f.message, [{ path: '/', message: f.message }]);
  }
  if (f.statusCode === 400) {
    // JSON syntax errors from the body parser
    return new PicklineError(bodyCode, `malformed body: ${f.message}`, [
      { path: '/', message: f.message },
    ]);
  }
  if (f.statusCode && f.statusCode < 500) return new PicklineError('BAD_REQUEST', f.message);
  return new PicklineError('INTERNAL', 'internal error');
}
