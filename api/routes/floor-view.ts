/**
 * The floor view's data (contract-extensions.md §1 "floor view"): `GET /floor` (snapshot), `GET
 * /floor/stream` (Server-Sent Events: the snapshot on connect and on every
 * change; nothing but a keepalive comment while the floor stays the same, as
 * the view carries session start times, not ages) and, with a simulated floor attached, `POST
 * /simulator/locations/{location}/press` (a key press on a simulated module).
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { FloorView } from '../../controller/floor-view.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { ErrorBody } from '../errors.ts';

/** How often the stream compares the floor with what it sent last (changes reach a page within this, plus the network). */
export const FLOOR_STREAM_CHECK_MS = 50;
const KEEPALIVE_MS = 15_000;
/** a stream whose reader lets this much pile up unsent is closed (a stalled or hostile reader) */
export const MAX_STREAM_BACKLOG = 1024 * 1024;

export const SIM_KEYS = ['confirm', 'short', 'plus', 'minus'] as const;
export type SimKey = (typeof SIM_KEYS)[number];

export interface FloorViewDeps {
  floor: () => FloorView;
  /** subscribes to changes known at once (outbox events): the streams are checked then, not only on the interval */
  onChange?: (listener: () => void) => () => void;
  /**
   * presses a key of the simulated module at a location, whatever its device
   * family; rejects LOCATION_NOT_FOUND when there is none, UNSUPPORTED when its
   * family cannot do that key
   */
  press?: (location: string, key: SimKey) => Promise<void> | void;
}

const VIEW = ['wms', 'operator', 'technician', 'viewer'] as const;

export async function floorViewRoutes(app: FastifyInstance, d: FloorViewDeps): Promise<void> {
  const streams = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | null = null;
  let last = '';
  let lastKeepalive = 0;
  const tick = () => {
    const now = Date.now();
    const text = JSON.stringify(d.floor());
    if (text !== last) {
      last = text;
      for (const s of streams) push(s, `event: floor\ndata: ${text}\n\n`);
    } else if (now - lastKeepalive > KEEPALIVE_MS) {
      lastKeepalive = now;
      for (const s of streams) push(s, ': keepalive\n\n');
    }
  };
  const push = (s: ServerResponse, chunk: string) => {
    if (s.writableLength <= MAX_STREAM_BACKLOG) s.write(chunk);
    else s.destroy(); // its 'close' removes it from the streams
  };
  let soon: NodeJS.Immediate | null = null;
  const unsubscribe = d.onChange?.(() => {
    if (streams.size > 0 && !soon)
      soon = setImmediate(() => {
        soon = null;
        tick();
      });
  });
  // the streams end before the server closes (it waits for open responses)
  app.addHook('preClose', async () => {
    unsubscribe?.();
    if (soon) clearImmediate(soon);
    soon = null;
    if (timer) clearInterval(timer);
    timer = null;
    for (const s of streams) s.end();
    streams.clear();
  });

  app.get(
    '/floor',
    {
      config: { roles: VIEW },
      schema: {
        tags: ['zones'],
        summary: 'The floor: zones as racks, lit bins, waiting lines, offline modules',
      },
    },
    async () => d.floor(),
  );

  app.get(
    '/floor/stream',
    {
      config: { roles: VIEW },
      schema: {
        tags: ['zones'],
        summary:
          'The floor as Server-Sent Events: `event: floor` with the whole floor on connect and on every change',
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
      res.write(`event: floor\ndata: ${JSON.stringify(d.floor())}\n\n`);
      streams.add(res);
      if (!timer) {
        last = JSON.stringify(d.floor());
        timer = setInterval(tick, FLOOR_STREAM_CHECK_MS);
      }
      res.on('error', () => res.destroy()); // a reset reader: 'close' follows
      res.on('close', () => {
        streams.delete(res);
        if (streams.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      });
    },
  );

  const press = d.press;
  if (press) {
    app.post<{ Params: { location: string }; Body: { key: SimKey } }>(
      '/simulator/locations/:location/press',
      {
        config: { roles: ['operator', 'technician'] },
        schema: {
          tags: ['zones'],
          summary: 'Press a key of the simulated module at a location (simulated floors only)',
          params: {
            type: 'object',
            properties: { location: { type: 'string', minLength: 1, maxLength: 64 } },
          },
          body: {
            type: 'object',
            properties: { key: { type: 'string', enum: [...SIM_KEYS] } },
            required: ['key'],
            additionalProperties: false,
          },
          response: { 400: ErrorBody, 404: ErrorBody, 501: ErrorBody },
        },
      },
      async (req) => {
        try {
          await press(req.params.location, req.body.key);
        } catch (e) {
          if (e instanceof PicklineError) throw e;
          throw new PicklineError(
            'LOCATION_NOT_FOUND',
            `no simulated module at ${req.params.location}`,
          );
        }
        return { ok: true };
      },
    );
  }
}
