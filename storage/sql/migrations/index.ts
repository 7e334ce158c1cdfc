import type { MigrationObject } from '@mikro-orm/core';
import type { SqlDialect } from '../dialect.js';
import { v001Initial } from './v001-initial.js';

/**
 * The schema version this code writes and understands. Every migration ends by setting `aforo_schema.version`
 * to its own number; a database whose version is higher was written by a newer release and is refused.
 */
export const SCHEMA_VERSION = 1;

/**
 * The migrations in order, handed to the migrator as an explicit list (no file-glob discovery, which would differ
 * between running the TypeScript sources and the compiled `dist`).
 */
export function migrationsFor(dialect: SqlDialect): MigrationObject[] {
  return [{ name: 'v001_initial', class: v001Initial(dialect) }];
}
