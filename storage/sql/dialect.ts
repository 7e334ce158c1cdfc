/** The two SQL backends that share this implementation. */
export type SqlDialect = 'sqlite' | 'postgres';

/** A Postgres schema name the storage takes: a plain identifier, so it can be written into SQL unquoted. */
export const POSTGRES_SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
