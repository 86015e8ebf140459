/** Service-level shapes of the API (CONTRACTS.md §7): one TypeBox schema, types derived. */
import { type Static, Type as T } from '@sinclair/typebox';
import { RISKS } from './work-order.ts';

export const PatchBody = T.Object(
  {
    dueAt: T.Optional(
      T.Union([T.String({ maxLength: 40 }), T.Null()], {
        description:
          "ISO-8601 date-time with a UTC offset (answered in UTC Z); null: none (an order: its wave's again)",
      }),
    ),
    priority: T.Optional(
      T.Union([T.Integer({ minimum: -1000, maximum: 1000 }), T.Null()], {
        description: "higher first; null on an order: its wave's again (a wave keeps a number)",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchBody = Static<typeof PatchBody>;

export const RiskSchema = T.Union(RISKS.map((r) => T.Literal(r)));

export const OrderRiskView = T.Object({
  orderId: T.String(),
  waveId: T.String(),
  dueAt: T.Union([T.String(), T.Null()]),
  projectedAt: T.Union([T.String(), T.Null()]),
  risk: RiskSchema,
  openLines: T.Integer(),
  zones: T.Array(T.String()),
});
