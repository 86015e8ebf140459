/**
 * Floor operations (CONTRACTS.md §1 "Zone scans"): scans at zones and put
 * walls, zone status, and the operator fallback to confirm or short a line
 * when its module is dead. Every action is a floor command
 * (controller/engine/commands.ts); the contract calls the operator `picker`
 * in scan and confirm bodies and in answers, so this edge translates the name
 * both ways (also in the `path` of an error's details).
 */
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { FloorCommands, ScanResult, SessionView } from '../../controller/engine/commands.ts';
import type { Site } from '../../controller/site.ts';
import { ID_PATTERN, LineView } from '../../controller/waves/schema.ts';
import type { WaveService } from '../../controller/waves/service.ts';
import { isPicklineError, PicklineError } from '../../kernel/errors.ts';
import { type ModuleAddress, moduleKey } from '../../kernel/module-ref.ts';
import { ErrorBody } from '../errors.ts';

const Picker = T.String({
  minLength: 1,
  maxLength: 64,
  pattern: ID_PATTERN,
  description: 'Operator id of the picker (one of the configured operators, when there are any)',
});
const ScanBody = T.Object(
  {
    code: T.String({
      minLength: 1,
      maxLength: 128,
      pattern: ID_PATTERN,
      description: 'Container or orderId (pick zone), SKU (put wall); not blank',
    }),
    picker: T.Optional(Picker),
    scanner: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 64,
        pattern: ID_PATTERN,
        description:
          'A configured scanner (`scanners[]`): its picker and colour are used when `picker` is absent',
      }),
    ),
  },
  { additionalProperties: false },
);
const LightInfo = T.Object({
  lineId: T.String(),
  location: T.Union([T.String(), T.Null()]),
  bus: T.String(),
  address: T.Union([T.Integer(), T.String()], {
    description: 'unit number, or module id on an MQTT bus',
  }),
  quantity: T.Union([T.Integer(), T.Null()]),
  color: T.Union([T.String(), T.Null()]),
});
const ScanAnswer = T.Object({
  zone: T.String(),
  mode: T.String({ description: 'pick | put' }),
  picker: T.String(),
  color: T.Union([T.String(), T.Null()]),
  orders: T.Array(
    T.Object({
      orderId: T.String(),
      container: T.Union([T.String(), T.Null()]),
      cubby: T.Union([T.String(), T.Null()]),
    }),
  ),
  lit: T.Array(LightInfo),
  waiting: T.Array(T.Object({ lineId: T.String(), location: T.Union([T.String(), T.Null()]) })),
  failed: T.Array(
    T.Object({ bus: T.String(), address: T.Union([T.Integer(), T.String()]), error: T.String() }),
  ),
  done: T.Boolean({
    description: 'pick zone: nothing (left) to pick here; the done indicator flashes',
  }),
});
const CloseBody = T.Object(
  {
    quantity: T.Optional(T.Integer({ minimum: 0, maximum: 99999 })),
    picker: T.Optional(Picker),
    reason: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const LineParams = T.Object({ lineId: T.String({ minLength: 1, maxLength: 64 }) });
const ZoneParams = T.Object({ zoneId: T.String({ minLength: 1, maxLength: 64 }) });
const SessionParams = T.Object({
  zoneId: T.String({ minLength: 1, maxLength: 64 }),
  orderId: T.String({ minLength: 1, maxLength: 64 }),
});
const SessionEnded = T.Object({
  zone: T.String(),
  orderId: T.String(),
  picker: T.String(),
  color: T.String(),
  startedAt: T.String({ format: 'date-time' }),
  endedAt: T.String({ format: 'date-time' }),
  unlit: T.Array(T.String(), { description: 'lines that were lit and are open again' }),
});

const OperatorBody = T.Object(
  {
    operator: T.String({
      minLength: 1,
      maxLength: 64,
      pattern: ID_PATTERN,
      description: 'Operator id (one of the configured operators, when there are any)',
    }),
  },
  { additionalProperties: false },
);
const Nullable = <S extends ReturnType<typeof T.String>>(s: S) => T.Union([s, T.Null()]);
const TaskAnswer = T.Object({
  task: T.Union([
    T.Object({
      zone: T.String(),
      operator: T.String(),
      waveId: T.String(),
      orderId: T.String(),
      container: Nullable(T.String()),
      lineId: T.String(),
      sku: T.String(),
      description: Nullable(T.String()),
      quantity: T.Integer(),
      location: T.String(),
      aisle: Nullable(T.String()),
      slot: Nullable(T.String()),
      checkDigits: Nullable(T.String()),
      skipped: T.Boolean({ description: 'the line was skipped before and came round again' }),
      left: T.Object(
        { lines: T.Integer(), units: T.Integer() },
        { description: 'open lines and units of the order in the zone, this line included' },
      ),
    }),
    T.Null(),
  ]),
});

/** Runs a command for a body whose operator field is `picker`: error details name that field. */
async function asPicker<R>(run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (e) {
    if (!isPicklineError(e) || !e.details.some((d) => d.path === '/operator')) throw e;
    const details = e.details.map((d) => (d.path === '/operator' ? { ...d, path: '/picker' } : d));
    throw new PicklineError(e.code, e.message, details, e);
  }
}

export async function floorRoutes(
  app: FastifyInstance,
  opts: { commands: FloorCommands; waves: WaveService; site: Site },
): Promise<void> {
  const { commands, waves, site } = opts;
  const locationOf = (bus: string, address: ModuleAddress) =>
    site.byModule.get(moduleKey({ bus, address }))?.id ?? null;
  const view = ({ operator, ...r }: ScanResult) => ({
    ...r,
    picker: operator,
    lit: r.lit.map((l) => ({
      lineId: l.line_id,
      location: locationOf(l.bus, l.address),
      bus: l.bus,
      address: l.address,
      quantity: l.display,
      color: l.color,
    })),
    failed: r.failed.map((f) => ({ bus: f.bus, address: f.address, error: f.error ?? 'failed' })),
  });
  const ended = ({ operator, ...v }: SessionView) => ({ ...v, picker: operator });

  app.post<{
    Params: { zoneId: string };
    Body: { code: string; picker?: string; scanner?: string };
  }>(
    '/zones/:zoneId/scan',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['zones'],
        summary: 'Scan a container / order at a pick zone, or a SKU at a put wall',
        description:
          'Answers once the lights were written; `failed` lists modules that did not answer (use the line fallback). ' +
          'Name the `picker`, or a configured `scanner` (its picker and colour); neither is 400 INVALID_REQUEST. ' +
          '422 UNKNOWN_OPERATOR when operators are configured and the picker is not one of them; ' +
          '422 UNKNOWN_SCANNER for a scanner not configured at this zone.',
        params: ZoneParams,
        body: ScanBody,
        response: {
          200: ScanAnswer,
          400: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (req) => {
      const { picker, ...b } = req.body;
      return view(
        await asPicker(() => commands.scan({ zone: req.params.zoneId, operator: picker, ...b })),
      );
    },
  );

  app.get(
    '/zones',
    {
      config: { roles: ['wms', 'operator', 'technician', 'viewer'] },
      schema: { tags: ['zones'], summary: 'Zones with their live state' },
    },
    async () => ({ zones: [...site.zones.keys()].map((z) => commands.zoneStatus(z)) }),
  );

  app.get<{ Params: { zoneId: string } }>(
    '/zones/:zoneId',
    {
      config: { roles: ['wms', 'operator', 'technician', 'viewer'] },
      schema: {
        tags: ['zones'],
        summary: 'One zone: active orders and pickers, lit modules',
        params: ZoneParams,
        response: { 404: ErrorBody },
      },
    },
    async (req) => commands.zoneStatus(req.params.zoneId),
  );

  app.delete<{ Params: { zoneId: string; orderId: string } }>(
    '/zones/:zoneId/sessions/:orderId',
    {
      config: { roles: ['operator', 'technician'] },
      schema: {
        tags: ['zones'],
        summary: "End an order's session in a zone (supervisor)",
        description:
          "Frees the picker's colour in the zone. Lines of the order lit there go dark and back to open " +
          '(a new scan lights them again); the modules they held serve the next waiting line. ' +
          'Sessions also end by themselves when the order is done in the zone, completed or cancelled. ' +
          '404 SESSION_NOT_FOUND when the order has no session there.',
        params: SessionParams,
        response: { 200: SessionEnded, 404: ErrorBody },
      },
    },
    async (req) =>
      ended(await commands.endSession({ zone: req.params.zoneId, orderId: req.params.orderId })),
  );

  for (const action of ['confirm', 'short'] as const) {
    app.post<{
      Params: { lineId: string };
      Body: { quantity?: number; picker?: string; reason?: string };
    }>(
      `/lines/:lineId/${action}`,
      {
        config: { roles: ['operator'] },
        schema: {
          tags: ['zones'],
          summary:
            action === 'confirm'
              ? 'Confirm a line without its module (operator fallback)'
              : 'Short a line (operator fallback)',
          description:
            action === 'confirm'
              ? 'The body may be omitted. quantity defaults to the requested one; a lower quantity is recorded ' +
                'as a short; a higher one is refused with 422 OVER_PICK unless the zone has allowOverPick.'
              : 'The body may be omitted. quantity defaults to 0 and must be below the requested one ' +
                '(else 422 SHORT_NOT_BELOW_REQUEST); reason defaults to "operator".',
          params: LineParams,
          body: CloseBody,
          response: { 200: LineView, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
        },
        // every field is optional: a POST without a body (and Content-Type) is `{}`
        preValidation: async (req) => {
          if (req.body === undefined || req.body === null) req.body = {};
        },
      },
      async (req) => {
        const b = req.body ?? {};
        const cmd = {
          lineId: req.params.lineId,
          quantity: b.quantity,
          operator: b.picker,
          reason: b.reason,
          via: 'api' as const,
        };
        const r = await asPicker(() =>
          action === 'short' ? commands.short(cmd) : commands.confirm(cmd),
        );
        return waves.getOrder(r.line.order_id).lines.find((l) => l.lineId === r.line.id);
      },
    );
  }

  app.post<{ Params: { zoneId: string }; Body: { operator: string } }>(
    '/zones/:zoneId/tasks/next',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['voice'],
        summary: "Voice zone: the operator's next task (line)",
        description:
          "The operator's current task when they have one open, else the next open order of the zone " +
          '(wave priority, then intake order) is assigned to them; lines come in location order ' +
          '(aisle, slot, location), skipped lines last. `task` is null when the zone has nothing for them. ' +
          'Confirm or short the line with POST /lines/{lineId}/confirm or /short.',
        params: ZoneParams,
        body: OperatorBody,
        response: { 200: TaskAnswer, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (req) => ({
      task: commands.nextTask({ zone: req.params.zoneId, operator: req.body.operator }),
    }),
  );

  app.post<{ Params: { lineId: string }; Body: { operator: string } }>(
    '/lines/:lineId/skip',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['voice'],
        summary: 'Voice zone: skip a line of the task ("skip slot"); answers the task now due',
        description:
          'The line goes after the other open lines of its order in the zone. ' +
          "409 TASK_NOT_ASSIGNED when the line's order is not the operator's task; 409 LINE_CLOSED when it is closed.",
        params: LineParams,
        body: OperatorBody,
        response: {
          200: TaskAnswer,
          400: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (req) => ({
      task: commands.skip({ lineId: req.params.lineId, operator: req.body.operator }),
    }),
  );
}
