/**
 * The wave a WMS posts (CONTRACTS.md §1). One TypeBox schema: the API
 * publishes it in OpenAPI, the controller validates with it, types derive from it.
 */
import { type Static, Type as T } from '@sinclair/typebox';

/** An id: 1–64 characters, no control characters, not blank (at least one non-space). */
export const ID_PATTERN = '^[^\\u0000-\\u001f]*[^\\s\\u0000-\\u001f][^\\u0000-\\u001f]*$';
const Ref = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN, description });

export const LineInput = T.Object(
  {
    lineId: Ref('Unique line id (unique across all waves)'),
    sku: Ref('Article code; at a put wall the scanned code'),
    location: T.Optional(Ref('Location id of the site (pick lines); omitted for put-wall orders')),
    quantity: T.Integer({
      minimum: 1,
      maximum: 99999,
      description: 'Requested quantity, positive integer',
    }),
    description: T.Optional(T.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const OrderInput = T.Object(
  {
    orderId: Ref('Unique order id (unique across all waves)'),
    container: T.Optional(Ref('Tote / carton label scanned at the zone to start the order')),
    putWall: T.Optional(Ref('Put-wall zone id: the order is sorted into a cubby there')),
    cubby: T.Optional(Ref('Cubby (location) of the put wall; assigned when omitted')),
    dueAt: T.Optional(
      T.String({
        maxLength: 40,
        description:
          "When the order must be picked: ISO-8601 date-time with a UTC offset (CONTRACTS.md §7); default: the wave's",
      }),
    ),
    priority: T.Optional(
      T.Integer({
        minimum: -1000,
        maximum: 1000,
        description: "Higher first (CONTRACTS.md §7); default: the wave's",
      }),
    ),
    lines: T.Array(LineInput, { minItems: 1, maxItems: 10000 }),
  },
  { additionalProperties: false },
);

export const WaveInput = T.Object(
  {
    waveId: Ref('Unique wave id; re-posting the same body is idempotent'),
    priority: T.Optional(T.Integer({ minimum: -1000, maximum: 1000, default: 0 })),
    dueAt: T.Optional(
      T.String({
        maxLength: 40,
        description:
          'Default due time of its orders: ISO-8601 date-time with a UTC offset (CONTRACTS.md §7)',
      }),
    ),
    orders: T.Array(OrderInput, { minItems: 1, maxItems: 10000 }),
  },
  { additionalProperties: false },
);

export type WaveInput = Static<typeof WaveInput>;
export type OrderInput = Static<typeof OrderInput>;
export type LineInput = Static<typeof LineInput>;

export const WAVE_STATUSES = ['accepted', 'active', 'completed', 'cancelled'] as const;
export const LINE_STATUSES = ['open', 'lit', 'picked', 'short', 'cancelled'] as const;
export const ORDER_STATUSES = ['open', 'active', 'completed', 'cancelled'] as const;
export type WaveStatus = (typeof WAVE_STATUSES)[number];
export type LineStatus = (typeof LINE_STATUSES)[number];
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const Str = T.String();
const NStr = T.Union([T.String(), T.Null()]);
export const LineView = T.Object({
  lineId: Str,
  sku: Str,
  location: NStr,
  quantity: T.Integer(),
  description: NStr,
  status: T.Union(LINE_STATUSES.map((s) => T.Literal(s))),
  picked: T.Integer(),
  picker: NStr,
  via: T.Union([T.String({ description: 'light | voice | api' }), T.Null()]),
  reason: NStr,
  flag: T.Union([
    T.String({ description: 'waiting (its module shows another line) | device-offline' }),
    T.Null(),
  ]),
  updatedAt: Str,
});
/** Service levels of an order or wave (CONTRACTS.md §7); risk and projectedAt are null once closed. */
const Due = T.Union([T.String({ description: 'ISO-8601 UTC' }), T.Null()]);
const RiskOrNull = T.Union([
  T.Union(['on-track', 'at-risk', 'late'].map((r) => T.Literal(r))),
  T.Null(),
]);
export const OrderView = T.Object({
  orderId: Str,
  waveId: Str,
  container: NStr,
  putWall: NStr,
  cubby: NStr,
  status: T.Union(ORDER_STATUSES.map((s) => T.Literal(s))),
  priority: T.Integer({ description: "its own, else its wave's" }),
  dueAt: Due,
  projectedAt: Due,
  risk: RiskOrNull,
  onTime: T.Union([
    T.Boolean({ description: 'completed by dueAt' }),
    T.Null({ description: 'not completed, or no dueAt' }),
  ]),
  lines: T.Array(LineView),
});
export const WaveView = T.Object({
  waveId: Str,
  priority: T.Integer(),
  status: T.Union(WAVE_STATUSES.map((s) => T.Literal(s))),
  dueAt: Due,
  projectedAt: Due,
  risk: RiskOrNull,
  createdAt: Str,
  updatedAt: Str,
  counts: T.Object({
    lines: T.Integer(),
    open: T.Integer(),
    picked: T.Integer(),
    short: T.Integer(),
    cancelled: T.Integer(),
  }),
  orders: T.Array(OrderView),
});
export const WaveSummary = T.Object({
  waveId: Str,
  priority: T.Integer(),
  status: T.Union(WAVE_STATUSES.map((s) => T.Literal(s))),
  dueAt: Due,
  projectedAt: Due,
  risk: RiskOrNull,
  createdAt: Str,
  updatedAt: Str,
  counts: WaveView.properties.counts,
  orders: T.Integer({ description: 'number of orders' }),
});
export type WaveSummary = Static<typeof WaveSummary>;
export type LineView = Static<typeof LineView>;
export type OrderView = Static<typeof OrderView>;
export type WaveView = Static<typeof WaveView>;
