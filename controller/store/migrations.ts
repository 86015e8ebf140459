/**
 * Versioned schema migrations, applied in order at start inside one
 * transaction each (db.ts). Each released migration is frozen as literal
 * SQL in its own file (migrations/000N.ts), so an upgraded store and a new
 * one end with the same schema (test/store/schema-upgrade.test.ts compares
 * them). Never edit a released migration: append a new one, in a new file.
 */
import { M0001 } from './migrations/0001.ts';
import { M0002 } from './migrations/0002.ts';
import { M0003 } from './migrations/0003.ts';
import { M0004 } from './migrations/0004.ts';
import { M0005 } from './migrations/0005.ts';
import { M0006 } from './migrations/0006.ts';
import { M0007 } from './migrations/0007.ts';
import { M0008 } from './migrations/0008.ts';
import type { Migration } from './migrations/migration.ts';

export type { Migration };

export const MIGRATIONS: Migration[] = [M0001, M0002, M0003, M0004, M0005, M0006, M0007, M0008];
