/** Waves and orders for the WMS (CONTRACTS.md §1). */
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { OrderView, WaveInput, WaveSummary, WaveView } from '../../controller/waves/schema.ts';
import type { WaveService } from '../../controller/waves/service.ts';
import { ErrorBody } from '../errors.ts';

const READERS = ['wms', 'operator', 'technician', 'viewer'] as const;
const WaveParams = T.Object({ waveId: T.String({ minLength: 1, maxLength: 64 }) });
const OrderParams = T.Object({ orderId: T.String({ minLength: 1, maxLength: 64 }) });

export async function waveRoutes(
  app: FastifyInstance,
  opts: { waves: WaveService },
): Promise<void> {
  const { waves } = opts;

  app.post<{ Body: unknown }>(
    '/waves',
    {
      config: { roles: ['wms'], bodyErrorCode: 'INVALID_WAVE' },
      schema: {
        tags: ['waves'],
        summary: 'Submit a pick wave',
        description:
          'Validated whole and stored in one transaction. 201 on first acceptance, 200 for an identical re-post, ' +
          '400 INVALID_WAVE (one detail per problem), 409 WAVE_CONFLICT / ORDER_CONFLICT, 422 UNKNOWN_LOCATION / UNKNOWN_PUT_WALL. ' +
          '409 CONTAINER_IN_USE when a container belongs to an open order of another wave. ' +
          'A rejected wave stores nothing. The answer summarises the wave (counts, no lines); ' +
          'the Location header points to GET /waves/{waveId} for the full wave.\n\n' +
          'Limits: at most 10,000 orders per wave and 10,000 lines per order, and at most ' +
          'api.maxWaveLines lines per wave (default 50,000); the body at most api.bodyLimit bytes ' +
          '(default 8 MiB; larger is 400 INVALID_WAVE). Ids (waveId, orderId, lineId, sku, location, ' +
          'container, putWall, cubby) are 1-64 characters without control characters and not blank ' +
          '(not only whitespace); two orders of the wave may not share a container. quantity 1-99,999, ' +
          'priority -1000..1000, description up to 200 characters. Timestamps are ISO-8601 (UTC).',
        body: WaveInput,
        response: {
          200: WaveSummary,
          201: WaveSummary,
          400: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
      // The controller validates (all problems at once, plus duplicates and
      // references); the schema above documents the body in OpenAPI.
      validatorCompiler: () => () => true,
    },
    async (req, reply) => {
      const r = waves.submit(req.body);
      return reply
        .status(r.created ? 201 : 200)
        .header('location', `/api/v1/waves/${encodeURIComponent(r.wave.waveId)}`)
        .send(r.wave);
    },
  );

  app.get<{ Params: { waveId: string } }>(
    '/waves/:waveId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['waves'],
        summary: 'A wave with its orders and lines',
        params: WaveParams,
        response: { 200: WaveView, 404: ErrorBody },
      },
    },
    async (req) => waves.get(req.params.waveId),
  );

  app.delete<{ Params: { waveId: string } }>(
    '/waves/:waveId',
    {
      config: { roles: ['wms'] },
      schema: {
        tags: ['waves'],
        summary: 'Cancel a wave',
        description:
          'Cancels its open lines; their lights go off. Idempotent; 409 WAVE_CLOSED for a completed wave.',
        params: WaveParams,
        response: { 200: WaveView, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => waves.cancel(req.params.waveId),
  );

  app.get<{ Params: { orderId: string } }>(
    '/orders/:orderId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['waves'],
        summary: 'One order with its lines',
        params: OrderParams,
        response: { 200: OrderView, 404: ErrorBody },
      },
    },
    async (req) => waves.getOrder(req.params.orderId),
  );
}
