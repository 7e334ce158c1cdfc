/** The two SQL backends that share this implementation. */
export type SqlDialect = 'sqlite' | 'postgres';
