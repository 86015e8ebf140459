/**
 * Technician operations (role `technician`): buses, modules, identify, walk
 * test, re-address. Identify, walk test and re-address hold the module from
 * the engine (409 MODULE_BUSY while it shows a job or a done indicator).
 */

import { PassThrough } from 'node:stream';
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Technician, WalkResult, WalkStep } from '../../controller/technician.ts';
import { type ModuleAddress, parseAddress } from '../../kernel/module-ref.ts';
import { ErrorBody } from '../errors.ts';

const TECH = { roles: ['technician'] as const };
const BusParams = T.Object({ busId: T.String({ minLength: 1, maxLength: 64 }) });
const ModuleParams = T.Object({
  busId: T.String({ minLength: 1, maxLength: 64 }),
  address: T.String({
    // a unit number 1..247 (Modbus), or a module id (MQTT buses): kernel/module-ref.ts
    pattern: '^(0*([1-9][0-9]?|1[0-9][0-9]|2[0-3][0-9]|24[0-7])|[A-Za-z][A-Za-z0-9._:-]{0,63})$',
    description: 'Unit number 1..247, or the module id on an MQTT bus (e.g. ptl-0001)',
  }),
});
type ModuleP = { busId: string; address: string };
/** The path address as the site config writes it (the pattern admits only parseable text). */
const addressOf = (p: ModuleP): ModuleAddress => parseAddress(p.address) as ModuleAddress;

export async function technicianRoutes(
  app: FastifyInstance,
  opts: { technician: Technician },
): Promise<void> {
  const tech = opts.technician;
  const tags = ['technician'];

  app.get(
    '/technician/buses',
    { config: TECH, schema: { tags, summary: 'Buses with health and counters' } },
    async () => ({ buses: tech.buses() }),
  );

  app.get<{ Params: { busId: string } }>(
    '/technician/buses/:busId/modules',
    {
      config: TECH,
      schema: {
        tags,
        summary: 'Modules of a bus: online, counters, latency histogram, location',
        params: BusParams,
        response: { 404: ErrorBody },
      },
    },
    async (req) => ({ modules: tech.modules(req.params.busId) }),
  );

  app.post<{ Params: ModuleP; Body: { ms?: number } }>(
    '/technician/buses/:busId/modules/:address/identify',
    {
      config: TECH,
      schema: {
        tags,
        summary: 'Blink one module fast, then give it back to the engine',
        description:
          'Refused (409 MODULE_BUSY) while the module shows a pick job or a done indicator; ' +
          'key presses on it commit nothing meanwhile.',
        params: ModuleParams,
        body: T.Optional(
          T.Object(
            { ms: T.Optional(T.Integer({ minimum: 100, maximum: 60000, default: 3000 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 404: ErrorBody, 409: ErrorBody, 501: ErrorBody, 504: ErrorBody },
      },
    },
    async (req) => {
      await tech.identify(req.params.busId, addressOf(req.params), req.body?.ms ?? 3000);
      return { ok: true };
    },
  );

  app.get<{ Params: ModuleP }>(
    '/technician/buses/:busId/modules/:address/identity',
    {
      config: TECH,
      schema: {
        tags,
        summary: 'Model, firmware and serial read from the module',
        params: ModuleParams,
        response: { 404: ErrorBody, 501: ErrorBody, 504: ErrorBody },
      },
    },
    async (req) => tech.readIdentity(req.params.busId, addressOf(req.params)),
  );

  app.post<{ Params: ModuleP; Body: { to: number } }>(
    '/technician/buses/:busId/modules/:address/address',
    {
      config: TECH,
      schema: {
        tags,
        summary: 'Give a module a new address',
        description:
          'The target address is probed first (409 ADDRESS_IN_USE when a module answers there); ' +
          'refused (409 MODULE_BUSY) while the module shows a pick job or a done indicator. ' +
          'needsKeyPress: the module takes the address when its confirm key is pressed (pickline-ptl-v1); ' +
          'until then it stays dark and held, and the re-address is disarmed at expiresAt (ISO-8601, ' +
          'config technician.readdressTimeoutMs) or by DELETE. Update the site config (location address) afterwards.',
        params: ModuleParams,
        body: T.Object(
          { to: T.Integer({ minimum: 1, maximum: 247 }) },
          { additionalProperties: false },
        ),
        response: {
          400: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          501: ErrorBody,
          504: ErrorBody,
        },
      },
    },
    async (req) => tech.setAddress(req.params.busId, addressOf(req.params), req.body.to),
  );

  app.delete<{ Params: ModuleP }>(
    '/technician/buses/:busId/modules/:address/address',
    {
      config: TECH,
      schema: {
        tags,
        summary: 'Cancel an armed re-address',
        description:
          'Writes the module its own address back and gives it back to the engine. ' +
          'disarmed: false when the module no longer answers at its old address (its confirm press moved it).',
        params: ModuleParams,
        response: { 404: ErrorBody },
      },
    },
    async (req) => tech.cancelAddress(req.params.busId, addressOf(req.params)),
  );

  app.post<{ Body: { bus?: string; zone?: string; dwellMs?: number } }>(
    '/technician/walk-test',
    {
      config: TECH,
      schema: {
        tags,
        summary: 'Light every module of a bus or zone in turn; report those that never answered',
        description:
          'Each module is held while lit; modules showing a pick job or a done indicator are skipped. ' +
          'Give a bus or a zone (not both: 400 INVALID_REQUEST); without either, every bus is walked. ' +
          'With `Accept: application/x-ndjson` the answer streams live progress: one JSON line per module ' +
          '(`{"step": {done, total, bus, address, location, outcome, error?}}`), then `{"result": …}` ' +
          '(or `{"error": …}` when the test broke off).',
        body: T.Object(
          {
            bus: T.Optional(T.String()),
            zone: T.Optional(T.String()),
            dwellMs: T.Optional(T.Integer({ minimum: 0, maximum: 5000, default: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const scope = { bus: req.body.bus, zone: req.body.zone };
      const dwellMs = req.body.dwellMs ?? 200;
      if (!/application\/x-ndjson/.test(req.headers.accept ?? ''))
        return tech.walkTest(scope, dwellMs);
      return streamWalk(reply, (onStep) => tech.walkTest(scope, dwellMs, onStep));
    },
  );
}

/**
 * A walk test as NDJSON: the status and headers go out with the first step,
 * so a refusal before it (unknown bus or zone) is an ordinary error answer.
 */
async function streamWalk(
  reply: FastifyReply,
  run: (onStep: (s: WalkStep) => void) => Promise<WalkResult>,
): Promise<FastifyReply> {
  const out = new PassThrough();
  const line = (o: object) => out.write(`${JSON.stringify(o)}\n`);
  let started!: () => void;
  const first = new Promise<void>((resolve) => {
    started = resolve;
  });
  const done = run((s) => {
    started();
    line({ step: s });
  });
  await Promise.race([first, done]); // a refusal before the first step rejects here
  void done.then(
    (result) => out.end(`${JSON.stringify({ result })}\n`),
    (e: Error) =>
      out.end(
        `${JSON.stringify({ error: { code: (e as { code?: string }).code ?? 'INTERNAL', message: e.message } })}\n`,
      ),
  );
  return reply.type('application/x-ndjson').send(out);
}
