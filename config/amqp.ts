/**
 * The site's `amqp` key (docs/CONTRACTS.md §6): the message bus a WMS
 * integration may use beside REST and webhooks. Absent = feature off.
 * check-config checks the shape only; whether the broker answers and accepts
 * the login is a run-time matter (logged at start, `/readyz` check `amqp`).
 */
import { type Static, Type as T } from '@sinclair/typebox';
import type { ErrorDetail } from '../kernel/errors.ts';

const Url = T.String({
  pattern: '^amqps?://',
  description: 'amqp://user:pass@host:5672/vhost (amqps:// for TLS)',
});

export const AmqpConfig = T.Object(
  {
    url: T.Optional(Url),
    urls: T.Optional(
      T.Array(Url, {
        minItems: 1,
        maxItems: 16,
        description: 'The nodes of a cluster, tried in turn',
      }),
    ),
    ca: T.Optional(T.String({ minLength: 1, description: 'PEM CA file (amqps)' })),
    cert: T.Optional(T.String({ minLength: 1, description: 'PEM client certificate file' })),
    key: T.Optional(T.String({ minLength: 1, description: 'PEM client key file' })),
    deliveryLimit: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'x-delivery-limit of the commands queue (default 5)',
      }),
    ),
    publishWindow: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 10_000,
        description: 'Events published and not yet confirmed by the broker, at most (default 500)',
      }),
    ),
    heartbeatS: T.Optional(
      T.Integer({ minimum: 0, maximum: 600, description: 'AMQP heartbeat (default 15 s)' }),
    ),
  },
  { additionalProperties: false },
);

export type AmqpConfig = Static<typeof AmqpConfig>;

export const AMQP_DEFAULTS = { deliveryLimit: 5, publishWindow: 500, heartbeatS: 15 } as const;

/** The nodes to try, in order. */
export function amqpUrls(c: AmqpConfig): string[] {
  return c.urls ?? (c.url ? [c.url] : []);
}

/**
 * Problems the schema cannot express: exactly one of `url`/`urls`, and a
 * `site` usable as the last word of a topic routing key (it names the queues
 * and ends every routing key, so no `.`, `*` or `#`).
 */
export function amqpProblems(site: unknown, c: AmqpConfig | undefined): ErrorDetail[] {
  if (!c || typeof c !== 'object') return [];
  const out: ErrorDetail[] = [];
  if ((c.url === undefined) === (c.urls === undefined))
    out.push({ path: '/amqp/url', message: 'give exactly one of url or urls' });
  if (typeof site === 'string' && /[.*#]/.test(site))
    out.push({
      path: '/site',
      message: 'must not contain ".", "*" or "#" when amqp is configured (it ends routing keys)',
    });
  return out;
}
