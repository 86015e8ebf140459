/**
 * The pages people look at (README "Pages, KPIs, metrics and the technician CLI"): sign-in, floor view, technician
 * console, KPI dashboard, supervisor. Static files from `web/` (@fastify/static) and
 * Chart.js from its package; a page is served only to a signed-in browser
 * whose role may use it (else to /sign-in, or 403), with the API's roles.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../config/schema.ts';
import { rootPath } from '../kernel/root.ts';
import { type Sessions, sessionOf } from './session.ts';

/** Page path → its file in web/ and the roles that may open it. */
export const PAGES: Record<string, { file: string; roles: readonly Role[] }> = {
  '/floor': { file: 'floor.html', roles: ['wms', 'operator', 'technician', 'viewer'] },
  '/console': { file: 'console.html', roles: ['technician'] },
  '/dashboard': { file: 'dashboard.html', roles: ['wms', 'technician', 'viewer'] },
  // service levels and exceptions (CONTRACTS.md §7): viewers read, operators and technicians act
  '/supervisor': { file: 'supervisor.html', roles: ['operator', 'technician', 'viewer'] },
};

const WEB = rootPath('web');
const CHART_JS = join(
  dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.min.js',
);

export async function pageRoutes(
  app: FastifyInstance,
  opts: { sessions: Sessions },
): Promise<void> {
  await app.register(fastifyStatic, {
    root: WEB,
    prefix: '/ui/assets/',
    index: false,
    wildcard: true,
  });
  const html = { 'cache-control': 'no-store', 'x-frame-options': 'DENY' };

  app.get('/ui/assets/vendor/chart.umd.min.js', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'max-age=86400')
      .send(createReadStream(CHART_JS)),
  );

  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const s = sessionOf(req, opts.sessions);
    const home = s?.role === 'technician' ? '/console' : s ? '/floor' : '/sign-in';
    return reply.redirect(home);
  });

  app.get('/sign-in', { schema: { hide: true } }, async (_req, reply) =>
    reply.headers(html).sendFile('sign-in.html'),
  );

  for (const [path, page] of Object.entries(PAGES)) {
    app.get(path, { schema: { hide: true } }, async (req, reply) => {
      const s = sessionOf(req, opts.sessions);
      if (!s) return reply.redirect(`/sign-in?next=${encodeURIComponent(path)}`);
      if (!page.roles.includes(s.role))
        return reply
          .code(403)
          .headers(html)
          .type('text/html; charset=utf-8')
          .send(
            `<!doctype html><meta charset="utf-8"><title>Not allowed</title><p>Role ${s.role} may not open ${path} (allowed: ${page.roles.join(', ')}). <a href="/sign-in?next=${encodeURIComponent(path)}">Sign in</a> with another token.</p>`,
          );
      return reply.headers(html).sendFile(page.file);
    });
  }
}
