/**
 * The site configuration schema: the single source of truth. Types are derived
 * from it with `Static<>`; README's configuration reference documents it.
 * Validation of the whole document (all errors at once) and of cross
 * references lives in `config/load.ts`.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { EVENT_TYPES } from './events.ts';

const Id = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });

export const COLORS = ['red', 'green', 'blue', 'yellow', 'cyan', 'magenta', 'white'] as const;
export const Color = T.Union(
  COLORS.map((c) => T.Literal(c)),
  { description: 'Lamp colour' },
);

export const Address = T.Integer({
  minimum: 1,
  maximum: 247,
  description: 'Modbus unit / tag address',
});

export const BusRef = T.Object(
  { bus: Id('Bus id'), address: Address },
  { additionalProperties: false },
);

export const BusConfig = T.Object(
  {
    id: Id('Bus id, referenced by locations'),
    transport: T.Union(
      [T.Literal('modbus-rtu'), T.Literal('modbus-tcp'), T.Literal('ablepick'), T.Literal('mqtt')],
      { description: 'Wire protocol of the bus' },
    ),
    profile: T.Optional(
      T.String({ minLength: 1, description: 'Device profile name (config/profiles)' }),
    ),
    // modbus-rtu
    path: T.Optional(T.String({ minLength: 1, description: 'Serial device, e.g. /dev/ttyUSB0' })),
    baudRate: T.Optional(T.Integer({ minimum: 300, maximum: 921600, default: 19200 })),
    parity: T.Optional(T.Union([T.Literal('none'), T.Literal('even'), T.Literal('odd')])),
    dataBits: T.Optional(T.Union([T.Literal(7), T.Literal(8)])),
    stopBits: T.Optional(T.Union([T.Literal(1), T.Literal(2)])),
    // modbus-tcp / ablepick
    host: T.Optional(T.String({ minLength: 1 })),
    port: T.Optional(T.Integer({ minimum: 1, maximum: 65535 })),
    rtuOverTcp: T.Optional(T.Boolean({ description: 'RTU framing over a TCP gateway' })),
    // scheduling (HARDWARE.md: timeouts and retries per transaction, bounded)
    timeoutMs: T.Optional(
      T.Integer({ minimum: 5, maximum: 10000, description: 'Per-transaction timeout' }),
    ),
    retries: T.Optional(T.Integer({ minimum: 0, maximum: 5 })),
    pollIntervalMs: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 10000,
        description:
          'Key poll period of one lit module, ms (default: 0 = back to back on RTU, where wire time bounds it; 20 on TCP)',
      }),
    ),
    healthIntervalMs: T.Optional(
      T.Integer({ minimum: 100, maximum: 600000, description: 'Sweep period of idle modules' }),
    ),
    offlineAfter: T.Optional(
      T.Integer({ minimum: 1, maximum: 100, description: 'Failed transactions before offline' }),
    ),
    simulate: T.Optional(
      T.Boolean({ description: 'Start an in-process simulator for this bus (demo / tests)' }),
    ),
  },
  { additionalProperties: false },
);

export const LocationConfig = T.Object(
  {
    id: Id('Location (bin, cubby or slot) id'),
    bus: T.Optional(Id('Bus of the light module')),
    address: T.Optional(Address),
    checkDigits: T.Optional(T.String({ pattern: '^[0-9]{1,4}$' })),
    aisle: T.Optional(T.String({ minLength: 1, maxLength: 16 })),
    slot: T.Optional(T.String({ minLength: 1, maxLength: 16 })),
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
    pinHash: T.Optional(T.String({ description: 'scrypt$<salt hex>$<hash hex>' })),
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
    storage: T.Object({ path: T.String({ minLength: 1 }) }, { additionalProperties: false }),
    mqtt: T.Optional(
      T.Object(
        {
          embedded: T.Optional(
            T.Object(
              {
                host: T.String({ default: '127.0.0.1' }),
                port: T.Integer({ minimum: 0, maximum: 65535 }),
              },
              { additionalProperties: false },
            ),
          ),
          url: T.Optional(T.String({ pattern: '^(mqtts?|wss?)://' })),
        },
        { additionalProperties: false },
      ),
    ),
    webhooks: T.Optional(T.Array(WebhookConfig)),
    buses: T.Array(BusConfig, { default: [] }),
    operators: T.Optional(T.Array(OperatorConfig)),
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
export type BusConfig = Static<typeof BusConfig>;
export type ZoneConfig = Static<typeof ZoneConfig>;
export type LocationConfig = Static<typeof LocationConfig>;
export type OperatorConfig = Static<typeof OperatorConfig>;
export type WebhookConfig = Static<typeof WebhookConfig>;
export type Color = Static<typeof Color>;
export type Role = 'wms' | 'operator' | 'technician' | 'viewer';
