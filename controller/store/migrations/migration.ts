/** One versioned schema migration (../migrations.ts). */
export interface Migration {
  version: number;
  name: string;
  /** the SQL as released: literal text, never built from constants that could change later */
  sql: string;
  /**
   * Rebuilds a table other tables reference: run with foreign keys off (they
   * cannot be switched inside a transaction), then `foreign_key_check` must
   * find nothing before the commit (the SQLite "ALTER TABLE" procedure).
   */
  rebuildsReferencedTables?: boolean;
}
