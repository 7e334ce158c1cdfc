/**
 * The schema version this code writes and understands. Every migration ends by setting `aforo_schema.version`
 * to its own number; a database whose version is higher was written by a newer release and is refused.
 */
export const SCHEMA_VERSION = 5;
