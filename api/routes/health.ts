/**
 * `/healthz`: the process answers. `/readyz`: 200 when every check is ok, else
 * 503; the controller's checks are `store` (open), `floor` (restored after
 * start) and `bus:<id>` (open; detail: modules online / configured). README
 * "Health" describes the same.
 */
import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export async function healthRoutes(
  app: FastifyInstance,
  opts: { readiness: () => ReadinessCheck[] },
): Promise<void> {
  app.get('/healthz', { schema: { tags: ['health'], security: [] } }, async () => ({
    status: 'ok',
  }));
  const description =
    '200 `ready` when every check is ok, else 503 `not-ready`. Checks: `store` (open), `floor` (restored after start), `bus:<id>` (open; detail: modules online / configured). A module offline does not make the controller unready.';
  app.get(
    '/readyz',
    { schema: { tags: ['health'], security: [], summary: 'Readiness', description } },
    async (_req, reply) => {
      const checks = opts.readiness();
      const ready = checks.every((c) => c.ok);
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not-ready', checks });
    },
  );
}
