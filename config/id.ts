/** Identifier schema shared by the site config and the bus schemas. */
import { Type as T } from '@sinclair/typebox';

export const Id = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });
