/**
 * Every error leaves the API in one shape (CONTRACTS.md §1):
 * `{"error": {"code", "message", "details": [{"path", "message"}]}}`.
 * Fastify's own errors (bad JSON, body too large, schema) are converted here.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorCode, type ErrorDetail, PicklineError } from '../config/errors.ts';

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

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | PicklineError, req, reply) => {
    const e = toPicklineError(err, req.routeOptions?.config?.bodyErrorCode);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: e.code, details: e.details.length }, e.message);
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
): PicklineError {
  if (err instanceof PicklineError) return err;
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
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
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
