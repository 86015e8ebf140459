/**
 * The generic part of every bus (`id`, `transport`) and the tagged union the
 * site schema validates buses with. Each transport adds its own fields in its
 * own spec here (spec.ts `defineTransport`); `index.ts` lists the specs.
 *
 * Validation picks the branch by `transport` (Ajv `discriminator`), so a
 * mistake is reported against that transport's fields only; `x-variant` names
 * the branch in messages ("not allowed for transport modbus-rtu"), `x-unknown`
 * says what an unlisted tag means (config/validate.ts).
 */
import {
  type Static,
  Type as T,
  type TProperties,
  type TSchema,
  type TUnion,
} from '@sinclair/typebox';
import { Id } from '../id.ts';

export function busSchema<K extends string, P extends TProperties>(transport: K, props: P) {
  return T.Object(
    {
      id: Id('Bus id, referenced by locations'),
      transport: T.Literal(transport, { description: 'Wire protocol of the bus' }),
      ...props,
    },
    { additionalProperties: false, 'x-variant': `transport ${transport}` },
  );
}

/** `oneOf` + `discriminator` over `transport`; the static type is the plain union. */
export function busUnion<V extends readonly TSchema[]>(variants: V) {
  return T.Unsafe<Static<TUnion<[...V]>>>({
    type: 'object',
    oneOf: variants,
    discriminator: { propertyName: 'transport' },
    'x-unknown': 'has no driver in this version',
    description: 'A bus: its fields depend on `transport`',
  });
}
