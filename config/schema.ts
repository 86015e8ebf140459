/**
 * The site configuration schema: the single source of truth. Types are derived
 * from it with `Static<>`; README's configuration reference documents it.
 * Validation of the whole document (all errors at once) and of cross
 * references lives in `config/load.ts`. Bus fields are per transport, in
 * `config/transports/`.
 */

import { type Static, Type as T } from '@sinclair/typebox';
import { EVENT_TYPES } from '../kernel/events.ts';
import { MODULE_ID_PATTERN, type ModuleAddress } from '../kernel/module-ref.ts';
import { AmqpConfig } from './amqp.ts';
import { COLORS, Color } from './colors.ts';
import { Id } from './id.ts';
import { MqttConfig } from './mqtt.ts';
import { BusConfig } from './transports/index.ts';

export type { Transport } from './transports/index.ts';
export { BusConfig, COLORS, Color, MqttConfig };

/**
 * A module's address on its bus (kernel/module-ref.ts): a unit / tag number
 * 1..247, or a module id on MQTT buses. One schema, not a union, so a wrong
 * number gets one precise message; which kind a bus takes is its transport's
 * rule (its spec's `addressProblem`, config/transports/).
 */
export const Address = T.Unsafe<ModuleAddress>({
  type: ['integer', 'string'],
  minimum: 1,
  maximum: 247,
  minLength: 1,
  maxLength: 64,
  pattern: MODULE_ID_PATTERN,
  description: 'Modbus unit / tag number 1..247, or the module id on an MQTT bus (e.g. ptl-0001)',
});

export const BusRef = T.Object(
  { bus: Id('Bus id'), address: Address },
  { additionalProperties: false },
);

/**
 * Free text of a location (aisle, slot). The export is opened in spreadsheets,
 * so a cell a spreadsheet would take for a formula (starting `=`, `+`, `-`,
 * `@`, tab or CR) is refused, and so are control characters anywhere.
 */
export const LOCATION_TEXT_PATTERN = '^[^=+\\-@\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$';
const LocationText = (description: string) =>
  T.String({
    minLength: 1,
    maxLength: 16,
    pattern: LOCATION_TEXT_PATTERN,
    description,
    'x-pattern-message':
      'must not start with =, +, -, @, tab or CR, nor contain control characters',
  });

/**
 * One location: the one rule set of the site file's `locations[]` and of
 * every CSV row (`locationsCsv`, the technician import; config/csv.ts
 * validates each row against this schema).
 */
export const LocationConfig = T.Object(
  {
    id: Id('Location (bin, cubby or slot) id'),
    bus: T.Optional(Id('Bus of the light module')),
    address: T.Optional(Address),
    checkDigits: T.Optional(
      T.String({ pattern: '^[0-9]{1,4}$', 'x-pattern-message': 'must be 1 to 4 digits' }),
    ),
    aisle: T.Optional(LocationText('Aisle (voice prompts, task order), 1-16 characters')),
    slot: T.Optional(LocationText('Slot (voice prompts, task order), 1-16 characters')),
  },
  { additionalProperties: false },
);

export const ZoneConfig = T.Object(
  {
    id: Id('Zone id'),
    name: T.Optional(T.String()),
    mode: T.Union([T.Literal('pick'), T.Literal('put'), T.Literal('voice')]),
    doneIndicator: T.Optional(BusRef),
    colors: T.Optional(
      T.Array(Color, { minItems: 1, description: 'Picker colours in order of sign-on' }),
    ),
    allowOverPick: T.Optional(
      T.Boolean({
        description:
          'Record quantities above the request (default false: an over-pick is refused and the module shows the request again)',
      }),
    ),
    locations: T.Array(LocationConfig, { default: [] }),
    locationsCsv: T.Optional(
      T.String({
        description: 'CSV file (location,bus,address,checkDigits,zone), relative to the config',
      }),
    ),
  },
  { additionalProperties: false },
);

export const OperatorConfig = T.Object(
  {
    id: Id('Operator id'),
    name: T.Optional(T.String()),
    pin: T.Optional(T.String({ pattern: '^[0-9]{4,8}$' })),
    pinHash: T.Optional(
      T.String({
        description:
          'scrypt$<N>$<salt hex>$<hash hex> (bin/hash-secret.ts --pin; config/secret.ts)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A fixed or handheld scanner: its scans name a zone and a code, never a picker (CONTRACTS.md §2). */
export const ScannerConfig = T.Object(
  {
    id: Id('Scanner id (the MQTT topic names it)'),
    zone: Id('Zone the scanner scans at (a pick zone or a put wall)'),
    picker: Id('Operator id recorded for its scans (a configured operator, when there are any)'),
    color: T.Optional(
      T.Union(
        COLORS.map((c) => T.Literal(c)),
        {
          description:
            "The scanner's colour in its zone (one of the zone's colours); default: the first free one",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const WebhookConfig = T.Object(
  {
    url: T.String({ pattern: '^https?://', description: 'Receiver of event POSTs' }),
    secret: T.String({ minLength: 1, description: 'HMAC-SHA256 key' }),
    types: T.Optional(
      T.Array(T.Union(EVENT_TYPES.map((t) => T.Literal(t))), {
        description: 'Event types to send (default all)',
      }),
    ),
    timeoutMs: T.Optional(T.Integer({ minimum: 100, maximum: 60000 })),
    maxBackoffMs: T.Optional(T.Integer({ minimum: 100, maximum: 3600000 })),
    batchSize: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 1000,
        description:
          'Batch mode: up to this many events per POST as a JSON array (default: one event per POST)',
      }),
    ),
  },
  { additionalProperties: false },
);

const TokenList = T.Array(T.String({ minLength: 8 }), { default: [] });

export const SiteConfig = T.Object(
  {
    site: Id('Site name'),
    api: T.Object(
      {
        host: T.String({ default: '127.0.0.1' }),
        port: T.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        bodyLimit: T.Optional(T.Integer({ minimum: 1024, description: 'Max request body bytes' })),
        maxWaveLines: T.Optional(T.Integer({ minimum: 1, description: 'Max lines per wave' })),
        sessionTtlMs: T.Optional(
          T.Integer({
            minimum: 60_000,
            maximum: 7 * 86_400_000,
            description: 'How long a browser sign-in lasts (default 8 h)',
          }),
        ),
        allowedOrigins: T.Optional(
          T.Array(T.String({ pattern: '^https?://[^/?#]+$' }), {
            description:
              'Origins (scheme://host[:port]) of a reverse proxy in front of the controller whose pages may write with the session cookie',
          }),
        ),
        tls: T.Optional(
          T.Object(
            {
              cert: T.String({
                minLength: 1,
                description: 'PEM certificate chain file, relative to the config file',
              }),
              key: T.String({
                minLength: 1,
                description: 'PEM private key file, relative to the config file',
              }),
            },
            {
              additionalProperties: false,
              description: 'Serve the API, pages and voice WebSocket over HTTPS',
            },
          ),
        ),
        trustProxy: T.Optional(
          T.Union([T.Boolean(), T.Array(T.String({ minLength: 1 }), { minItems: 1 })], {
            description:
              "Behind a reverse proxy: the client address comes from X-Forwarded-For (fastify's trustProxy: true = any proxy, a list = the proxies' addresses or CIDRs)",
          }),
        ),
        tokens: T.Object(
          {
            wms: T.Optional(TokenList),
            operator: T.Optional(TokenList),
            technician: T.Optional(TokenList),
            viewer: T.Optional(TokenList),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    storage: T.Object(
      {
        path: T.String({ minLength: 1 }),
        // scheduled online backups (README "Running as a service")
        backups: T.Optional(
          T.Object(
            {
              dir: T.String({
                minLength: 1,
                description: 'Directory of the backups (relative to the config file)',
              }),
              everyMinutes: T.Integer({ minimum: 1, maximum: 10080, default: 60 }),
              keep: T.Integer({ minimum: 1, maximum: 1000, default: 24 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    mqtt: T.Optional(MqttConfig),
    /** the site's message bus (CONTRACTS.md §6), absent = off */
    amqp: T.Optional(AmqpConfig),
    technician: T.Optional(
      T.Object(
        {
          readdressTimeoutMs: T.Integer({
            minimum: 1000,
            maximum: 600000,
            default: 60000,
            description:
              'How long an armed re-address waits for the confirm press before it is disarmed',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    webhooks: T.Optional(T.Array(WebhookConfig)),
    /** due times, projections and risk (CONTRACTS.md §7) */
    serviceLevels: T.Optional(
      T.Object(
        {
          atRiskLeadMinutes: T.Optional(
            T.Number({
              minimum: 0,
              maximum: 1440,
              description:
                'An open order is at risk when its projected finish is later than dueAt minus this (default 15)',
            }),
          ),
          defaultLinesPerMinute: T.Optional(
            T.Number({
              exclusiveMinimum: 0,
              maximum: 10000,
              description:
                'Pick rate of a zone with no line closed in the last 15 minutes (default 2)',
            }),
          ),
          evaluateSeconds: T.Optional(
            T.Integer({
              minimum: 1,
              maximum: 3600,
              description:
                'Re-evaluation at least this often, besides every pick and PATCH (default 30)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** the exceptions desk (CONTRACTS.md §7) */
    exceptions: T.Optional(
      T.Object(
        {
          idleSessionSeconds: T.Optional(
            T.Integer({
              minimum: 10,
              maximum: 86400,
              description:
                'A zone session with no pick for this long opens an idle-session exception (default 600)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** voice terminals (CONTRACTS.md §3) */
    voice: T.Optional(
      T.Object(
        {
          maxTerminals: T.Optional(
            T.Integer({
              minimum: 1,
              maximum: 100_000,
              description: 'Signed-on voice terminals at most (default 1000)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** voice audio mode (CONTRACTS.md §3): offline recognition needs Debian pocketsphinx */
    speech: T.Optional(
      T.Object(
        {
          recognisers: T.Optional(
            T.Integer({
              minimum: 1,
              maximum: 16,
              description: 'Warm recogniser processes (default: the cores, at most 2)',
            }),
          ),
          timeoutMs: T.Optional(
            T.Integer({
              minimum: 100,
              maximum: 60000,
              description: 'A decoder not answering within this is killed (default 3000)',
            }),
          ),
          maxUtteranceMs: T.Optional(
            T.Integer({
              minimum: 1000,
              maximum: 60000,
              description: 'Longest utterance taken (default 10000)',
            }),
          ),
          optional: T.Optional(
            T.Boolean({
              description:
                'true: start without recognisers (logged) when pocketsphinx or its model is missing, instead of refusing to start',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    buses: T.Array(BusConfig, { default: [] }),
    operators: T.Optional(T.Array(OperatorConfig)),
    scanners: T.Optional(T.Array(ScannerConfig)),
    zones: T.Array(ZoneConfig, { minItems: 1 }),
    log: T.Optional(
      T.Object(
        {
          level: T.Union(
            ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => T.Literal(l)),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type SiteConfig = Static<typeof SiteConfig>;
export type ZoneConfig = Static<typeof ZoneConfig>;
export type LocationConfig = Static<typeof LocationConfig>;
export type OperatorConfig = Static<typeof OperatorConfig>;
export type ScannerConfig = Static<typeof ScannerConfig>;
export type WebhookConfig = Static<typeof WebhookConfig>;
export type Role = 'wms' | 'operator' | 'technician' | 'viewer';
