/**
 * `build(deps)` returns the fastify app without listening (STYLE.md, fastify):
 * tests use `app.inject()`, the composition root calls `listen()`.
 * The API knows the controller's services, never SQL or bytes on a wire.
 */
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config/schema.ts';
import type { Outbox } from '../controller/events/outbox.ts';
import { SignOn } from '../controller/voice/signon.ts';
import type { WaveService } from '../controller/waves/service.ts';
import { PicklineError } from '../kernel/errors.ts';
import { makeAuthenticator, type Tokens } from './auth.ts';
import { sameOriginGuard } from './csrf.ts';
import {
  clientErrorHandler,
  frameworkErrors,
  installErrorHandling,
  MAX_PARAM_LENGTH,
} from './errors.ts';
import { pageRoutes } from './pages.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { waveRoutes } from './routes/waves.ts';
import { type Sessions, sessionOf, signInRoutes } from './session.ts';

export interface ApiDeps {
  waves: WaveService;
  outbox: Outbox;
  tokens: Tokens;
  /** `GET /api/v1/status`: a snapshot for dashboards (engine, webhooks, buses) */
  status?: () => Record<string, unknown>;
  /** false while the controller starts: `/api/v1` answers 503 NOT_READY (default: always true) */
  accepting?: () => boolean;
  /** readiness checks for /readyz (store open, buses up) */
  readiness?: () => ReadinessCheck[];
  bodyLimit?: number;
  /** fastify's trustProxy: the client address (req.ip) from X-Forwarded-For behind a reverse proxy */
  trustProxy?: boolean | string[];
  /** a request must arrive completely within this (default 60 s), else 408 */
  requestTimeoutMs?: number;
  logger?: Logger | false;
  version?: string;
  /** browser sign-in and the pages (floor view, console, dashboard); absent: API only */
  ui?: UiDeps;
  /** origins besides the controller's own whose pages may write with the session cookie (api/csrf.ts) */
  allowedOrigins?: string[];
  /** serve HTTPS (and the voice WebSocket as wss://): PEM certificate chain and key */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Prometheus metrics: `GET /metrics` and the request durations (controller/metrics.ts) */
  metrics?: ApiMetrics;
  /** extra route plugins (zones, technician …) registered by the composition root */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
}

export interface UiDeps {
  sessions: Sessions;
  /** operator PIN checks shared with the voice terminals; default: one over `operators` */
  signOn?: SignOn;
  operators?: OperatorConfig[];
  /** clock and burst length of the sign-in throttle (tests) */
  now?: () => number;
  burstQuietMs?: number;
}

export interface ApiMetrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  text(): Promise<string>;
  readonly contentType: string;
}

export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export async function build(deps: ApiDeps): Promise<FastifyInstance> {
  const requestTimeout = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const serverOptions = {
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, requestTimeout / 4)),
  };
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: deps.trustProxy ?? false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestTimeout,
    // node checks request deadlines on this interval; headers come within the same deadline
    ...(deps.tls
      ? { https: { ...serverOptions, cert: deps.tls.cert, key: deps.tls.key } }
      : { http: serverOptions }),
    frameworkErrors,
    clientErrorHandler,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    // per-request lines off: at floor rates they drown the useful ones
    logController: new LogController({ disableRequestLogging: true }),
  });
  installErrorHandling(app);
  const ui = deps.ui;
  await app.register(cookie);
  const authenticate = makeAuthenticator(deps.tokens, (req) =>
    ui ? sessionOf(req, ui.sessions)?.role : undefined,
  );
  app.addHook('onRequest', sameOriginGuard(deps.allowedOrigins));
  app.addHook('onRequest', async (req) => authenticate(req));
  const metrics = deps.metrics;
  if (metrics) {
    app.addHook('onResponse', async (req, reply) => {
      // the route pattern, not the URL: one series per endpoint
      const route = req.routeOptions.url ?? 'unmatched';
      metrics.observeRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
  }
  const accepting = deps.accepting;
  if (accepting)
    app.addHook('onRequest', async (req) => {
      if (!accepting() && req.url.startsWith('/api/'))
        throw new PicklineError(
          'NOT_READY',
          'the controller is starting: the floor is not restored yet',
        );
    });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Pickline controller API',
        version: deps.version ?? '1',
        description:
          'WMS, operator and technician interface of a Pickline edge controller (docs/CONTRACTS.md in the repository).',
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'waves', description: 'Pick waves from the WMS' },
        { name: 'events', description: 'Events to the WMS (pull feed)' },
        { name: 'zones', description: 'Zone scans and floor operations' },
        { name: 'technician', description: 'Buses, modules and maintenance' },
        { name: 'kpis', description: 'Distribution KPIs over a time window (JSON or CSV)' },
        {
          name: 'exceptions',
          description: 'The exceptions desk: what went wrong on the floor and who handles it',
        },
        { name: 'health', description: 'Liveness and readiness' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, { readiness: deps.readiness ?? (() => []) });
  await app.register(waveRoutes, { prefix: '/api/v1', waves: deps.waves });
  await app.register(eventRoutes, { prefix: '/api/v1', outbox: deps.outbox });
  const status = deps.status;
  if (status) {
    app.get(
      '/api/v1/status',
      {
        config: { roles: ['wms', 'operator', 'technician', 'viewer'] },
        schema: {
          tags: ['health'],
          summary: 'Controller snapshot: version, uptime, pick counters, webhook delivery, buses',
        },
      },
      async () => status(),
    );
  }
  if (ui) {
    await app.register(async (scoped) =>
      signInRoutes(scoped, {
        ...ui,
        tokens: deps.tokens,
        signOn: ui.signOn ?? new SignOn(ui.operators ?? []),
      }),
    );
    await app.register(async (scoped) => pageRoutes(scoped, { sessions: ui.sessions }));
  }
  if (metrics) {
    app.get(
      '/metrics',
      {
        config: { roles: ['technician', 'viewer', 'wms'] },
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics (text exposition format)',
          description:
            'Picks, shorts, lit modules, per-bus transactions/timeouts/latency, webhook backlog and ' +
            'delivery latency, API request durations. Scrape with a viewer token (bearer).',
        },
      },
      async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()),
    );
  }
  for (const p of deps.plugins ?? [])
    await app.register(async (scoped) => p(scoped), { prefix: '/api/v1' });
  return app;
}
