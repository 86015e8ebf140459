/**
 * The exceptions desk (CONTRACTS.md §7 "Exceptions"): list, one, a live
 * stream (Server-Sent Events) for the supervisor page, and acknowledge /
 * resolve by people (roles operator and technician; wms and viewer read).
 */
import type { ServerResponse } from 'node:http';
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PicklineEvent } from '../../controller/events/outbox.ts';
import type { ExceptionDesk } from '../../controller/exceptions/desk.ts';
import {
  AcknowledgeBody,
  EXCEPTION_KINDS,
  EXCEPTION_STATUSES,
  ExceptionView,
  ResolveBody,
} from '../../controller/exceptions/schema.ts';
import { ErrorBody } from '../errors.ts';
import { MAX_STREAM_BACKLOG } from './floor-view.ts';
import { parseList } from './service-levels.ts';

const READERS = ['wms', 'operator', 'technician', 'viewer'] as const;
const ACTORS = ['operator', 'technician'] as const;
const Params = T.Object({ exceptionId: T.String({ minLength: 1, maxLength: 64 }) });
const KEEPALIVE_MS = 15_000;

export interface ExceptionRouteDeps {
  desk: ExceptionDesk;
  /** committed events (the outbox): exception.* reach the streams */
  onEvent: (listener: (e: PicklineEvent) => void) => () => void;
}

export async function exceptionRoutes(app: FastifyInstance, d: ExceptionRouteDeps): Promise<void> {
  const streams = new Set<ServerResponse>();
  const push = (s: ServerResponse, chunk: string) => {
    if (s.writableLength <= MAX_STREAM_BACKLOG) s.write(chunk);
    else s.destroy();
  };
  const unsubscribe = d.onEvent((e) => {
    if (!e.type.startsWith('exception.') || streams.size === 0) return;
    const chunk = `event: exception\nid: ${e.seq}\ndata: ${JSON.stringify({ type: e.type, exception: e.data })}\n\n`;
    for (const s of streams) push(s, chunk);
  });
  const keepalive = setInterval(() => {
    for (const s of streams) push(s, ': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();
  app.addHook('preClose', async () => {
    unsubscribe();
    clearInterval(keepalive);
    for (const s of streams) s.end();
    streams.clear();
  });

  app.get<{ Querystring: { status?: string; kind?: string; zone?: string; limit?: number } }>(
    '/exceptions',
    {
      config: { roles: READERS },
      schema: {
        tags: ['exceptions'],
        summary: 'Exceptions, newest first',
        description:
          '`status` (open, acknowledged, resolved) and `kind` are comma-separated lists; `zone` the zone of the subject.',
        querystring: T.Object({
          status: T.Optional(T.String({ maxLength: 100 })),
          kind: T.Optional(T.String({ maxLength: 300 })),
          zone: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
          limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: T.Object({ exceptions: T.Array(ExceptionView) }), 400: ErrorBody },
      },
    },
    async (req) => ({
      exceptions: d.desk.list({
        status: parseList(req.query.status, EXCEPTION_STATUSES, 'status'),
        kind: parseList(req.query.kind, EXCEPTION_KINDS, 'kind'),
        zone: req.query.zone,
        limit: req.query.limit ?? 100,
      }),
    }),
  );

  app.get(
    '/exceptions/stream',
    {
      config: { roles: READERS },
      schema: {
        tags: ['exceptions'],
        summary:
          'Exceptions live (Server-Sent Events): `event: snapshot` with the open ones, then `event: exception` `{type, exception}` per change',
      },
    },
    async (_req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      const open = d.desk.list({ status: ['open', 'acknowledged'], limit: 1000 });
      res.write(`event: snapshot\ndata: ${JSON.stringify({ exceptions: open })}\n\n`);
      streams.add(res);
      res.on('error', () => res.destroy());
      res.on('close', () => streams.delete(res));
    },
  );

  app.get<{ Params: { exceptionId: string } }>(
    '/exceptions/:exceptionId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['exceptions'],
        summary: 'One exception',
        params: Params,
        response: { 200: ExceptionView, 404: ErrorBody },
      },
    },
    async (req) => d.desk.get(req.params.exceptionId),
  );

  app.post<{ Params: { exceptionId: string }; Body: { by: string } }>(
    '/exceptions/:exceptionId/acknowledge',
    {
      config: { roles: ACTORS },
      schema: {
        tags: ['exceptions'],
        summary: 'Acknowledge an exception: someone is on it',
        description:
          '`by`: who, 1-64 characters. Acknowledging an acknowledged one changes nothing; 409 EXCEPTION_RESOLVED once resolved.',
        params: Params,
        body: AcknowledgeBody,
        response: { 200: ExceptionView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => d.desk.acknowledge(req.params.exceptionId, req.body.by.trim()),
  );

  app.post<{ Params: { exceptionId: string }; Body: { by: string; note?: string } }>(
    '/exceptions/:exceptionId/resolve',
    {
      config: { roles: ACTORS },
      schema: {
        tags: ['exceptions'],
        summary: 'Resolve an exception, with a note',
        description:
          '`by` 1-64 characters, `note` up to 500. 409 EXCEPTION_RESOLVED when already resolved.',
        params: Params,
        body: ResolveBody,
        response: { 200: ExceptionView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => d.desk.resolve(req.params.exceptionId, req.body.by.trim(), req.body.note),
  );
}
