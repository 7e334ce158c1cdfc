/**
 * The schema version this code writes and understands: the number of its newest migration (`v006_…`). The
 * migrator's table `aforo_migrations` lists the migrations applied to a database; one this code does not know (a
 * higher number) was written by a newer release, and the database is refused.
 */
export const SCHEMA_VERSION = 6;
