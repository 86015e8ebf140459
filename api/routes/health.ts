/** `/healthz`: the process answers. `/readyz`: the store is open and every bus is up. */
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
  app.get('/readyz', { schema: { tags: ['health'], security: [] } }, async (_req, reply) => {
    const checks = opts.readiness();
    const ready = checks.every((c) => c.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
  });
}
