/**
 * Service levels for the WMS and the supervisor (CONTRACTS.md §7): PATCH of
 * due times and priorities on waves and orders, and the open orders by risk.
 */
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { OrderRiskView, PatchBody } from '../../controller/service-levels/schema.ts';
import type { ServiceLevels } from '../../controller/service-levels/service.ts';
import { RISKS } from '../../controller/service-levels/work-order.ts';
import { OrderView, WaveView } from '../../controller/waves/schema.ts';
import type { WaveService } from '../../controller/waves/service.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { ErrorBody } from '../errors.ts';

const READERS = ['wms', 'operator', 'technician', 'viewer'] as const;
const WaveParams = T.Object({ waveId: T.String({ minLength: 1, maxLength: 64 }) });
const OrderParams = T.Object({ orderId: T.String({ minLength: 1, maxLength: 64 }) });
const PATCH_TEXT =
  '`dueAt`: ISO-8601 date-time with a UTC offset, answered in UTC `Z` (null: none); `priority`: integer ' +
  '-1000..1000, higher first. At least one of them. Only while open: 409 on a completed or cancelled one, ' +
  '404 for an unknown id, 400 INVALID_REQUEST for bad values; nothing changes on error. A PATCH never ' +
  'changes what a re-POST of the original wave body is compared with.';

export interface ServiceLevelRouteDeps {
  sla: ServiceLevels;
  waves: WaveService;
  zones: () => ReadonlySet<string>;
}

export async function serviceLevelRoutes(
  app: FastifyInstance,
  d: ServiceLevelRouteDeps,
): Promise<void> {
  const noValidation = { validatorCompiler: () => () => true };

  app.patch<{ Params: { waveId: string }; Body: unknown }>(
    '/waves/:waveId',
    {
      config: { roles: ['wms'] },
      schema: {
        tags: ['waves'],
        summary: "Change a wave's default due time or its priority",
        description: `${PATCH_TEXT} The wave's dueAt is the default of its orders without their own; an order's own value is never changed. Event \`wave.updated\`.`,
        params: WaveParams,
        body: PatchBody,
        response: { 200: WaveView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
      // the controller validates (one detail per problem, dates normalised)
      ...noValidation,
    },
    async (req) => {
      d.sla.patchWave(req.params.waveId, req.body);
      return d.waves.get(req.params.waveId);
    },
  );

  app.patch<{ Params: { orderId: string }; Body: unknown }>(
    '/orders/:orderId',
    {
      config: { roles: ['wms'] },
      schema: {
        tags: ['waves'],
        summary: "Change an order's due time or priority",
        description: `${PATCH_TEXT} null gives the order its wave's value again. Event \`order.updated\`.`,
        params: OrderParams,
        body: PatchBody,
        response: { 200: OrderView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
      ...noValidation,
    },
    async (req) => {
      d.sla.patchOrder(req.params.orderId, req.body);
      return d.waves.getOrder(req.params.orderId);
    },
  );

  app.get<{ Querystring: { risk?: string; zone?: string; limit?: number } }>(
    '/orders',
    {
      config: { roles: READERS },
      schema: {
        tags: ['waves'],
        summary: 'Open orders with their due time, projected finish and risk',
        description:
          'Most urgent first: late, then at-risk, then on-track; then earlier dueAt (none last), then arrival. ' +
          '`risk`: comma-separated on-track, at-risk, late (default all); `zone`: only orders with open lines there.',
        querystring: T.Object({
          risk: T.Optional(T.String({ maxLength: 40, description: 'e.g. at-risk,late' })),
          zone: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
          limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: {
          200: T.Object({ orders: T.Array(OrderRiskView) }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const risk = parseList(req.query.risk, RISKS, 'risk');
      const zone = req.query.zone;
      if (zone !== undefined && !d.zones().has(zone))
        throw new PicklineError('ZONE_NOT_FOUND', `no zone ${zone}`);
      return { orders: d.sla.listOrders({ risk, zone, limit: req.query.limit ?? 100 }) };
    },
  );
}

/** A comma-separated list of known words; INVALID_REQUEST naming the unknown ones. */
export function parseList<W extends string>(
  text: string | undefined,
  known: readonly W[],
  name: string,
): W[] | undefined {
  if (text === undefined || text === '') return undefined;
  const words = text.split(',').map((s) => s.trim());
  const bad = words.filter((w) => !(known as readonly string[]).includes(w));
  if (bad.length > 0)
    throw new PicklineError('INVALID_REQUEST', `unknown ${name}: ${bad.join(', ')}`, [
      { path: `querystring:/${name}`, message: `must be among ${known.join(', ')}` },
    ]);
  return words as W[];
}
