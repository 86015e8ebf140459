/** Pull feed of events (CONTRACTS.md §1): `GET /events?after=<seq>&limit=<n>`. */
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES, type Outbox } from '../../controller/events/outbox.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { ErrorBody } from '../errors.ts';

const Query = T.Object({
  after: T.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
    description: 'Return events with seq greater than this',
  }),
  limit: T.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  type: T.Optional(
    T.String({
      description: `Comma-separated event types to include (${EVENT_TYPES.join(', ')}); an unknown type is a 400`,
    }),
  ),
});

const Event = T.Object({
  eventId: T.String(),
  seq: T.Integer(),
  type: T.Union(EVENT_TYPES.map((t) => T.Literal(t))),
  occurredAt: T.String(),
  data: T.Record(T.String(), T.Unknown()),
});

export async function eventRoutes(app: FastifyInstance, opts: { outbox: Outbox }): Promise<void> {
  app.get<{ Querystring: { after: number; limit: number; type?: string } }>(
    '/events',
    {
      config: { roles: ['wms', 'viewer', 'technician'] },
      schema: {
        tags: ['events'],
        summary: 'Events after a sequence number, oldest first',
        description:
          '`next` is the seq to pass as `after` on the next call (unchanged when there is nothing new).',
        querystring: Query,
        response: { 200: T.Object({ events: T.Array(Event), next: T.Integer() }), 400: ErrorBody },
      },
    },
    async (req) => {
      const { after, limit, type } = req.query;
      const types = type === undefined ? undefined : parseTypes(type);
      const events = opts.outbox.read(after, limit, types);
      // With a type filter and nothing matching, skip past the events read
      // (both calls run in the same tick: nothing is appended between them).
      const next =
        events.length > 0
          ? events[events.length - 1].seq
          : types
            ? Math.max(after, opts.outbox.lastSeq())
            : after;
      return { events, next };
    },
  );
}

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

/** `type=a,b`: every name must be an event type; a typo must not skip the cursor past events. */
function parseTypes(type: string): string[] {
  const names = type.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !KNOWN.has(n));
  if (bad.length > 0 || names.length === 0) {
    const list = bad.map((n) => (n === '' ? '(empty)' : `"${n}"`)).join(', ');
    throw new PicklineError('INVALID_REQUEST', `unknown event type ${list}`, [
      { path: 'querystring:/type', message: `unknown ${list}; known: ${EVENT_TYPES.join(', ')}` },
    ]);
  }
  return names;
}
