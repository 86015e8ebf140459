/**
 * Backups of the running store (role `technician`; README "Running as a
 * service"). `POST /technician/backups {path?}` writes a consistent copy made
 * by this controller (controller/store/backup.ts) and answers when it is
 * complete; `GET /technician/backups` lists the scheduled ones.
 */
import { Type as T } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Backups } from '../../controller/store/backup-schedule.ts';
import { ErrorBody } from '../errors.ts';

const TECH = { roles: ['technician'] as const };

const Backup = T.Object({
  path: T.String(),
  bytes: T.Integer(),
  ms: T.Integer(),
  schemaVersion: T.Integer(),
  storeId: T.String(),
  epoch: T.Integer(),
  lastSeq: T.Integer(),
  createdAt: T.String(),
});

export async function backupRoutes(
  app: FastifyInstance,
  opts: { backups: Backups },
): Promise<void> {
  const tags = ['technician'];

  app.post<{ Body: { path?: string } | undefined }>(
    '/technician/backups',
    {
      config: TECH,
      schema: {
        tags,
        summary: 'Back up the store now (consistent, while the floor runs)',
        description:
          '`path`: an absolute file path on the controller that does not exist yet; without it, a new file in `storage.backups.dir`.',
        body: T.Optional(
          T.Object(
            { path: T.Optional(T.String({ minLength: 1, maxLength: 4096 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Backup, 409: ErrorBody, 422: ErrorBody, 500: ErrorBody },
      },
    },
    async (req, reply) => {
      const r = await opts.backups.backup(req.body?.path);
      return reply.code(201).send(r);
    },
  );

  app.get(
    '/technician/backups',
    {
      config: TECH,
      schema: { tags, summary: 'Scheduled backups in storage.backups.dir, oldest first' },
    },
    async () => ({ schedule: opts.backups.schedule ?? null, backups: opts.backups.list() }),
  );
}
