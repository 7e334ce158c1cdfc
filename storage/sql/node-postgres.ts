import { createRequire } from 'node:module';
import type { Row } from './records.js';

/** The part of node-postgres this storage uses: a pool for the statements and a client for the change feed. */
export interface PgClient {
  query(config: { text: string; name?: string; values: unknown[] }): Promise<{ rows: Row[]; rowCount: number | null }>;
  query(sql: string): Promise<unknown>;
}
export interface PgPoolClient extends PgClient {
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
export interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
export interface PgListenClient extends PgClient {
  connect(): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
}
export interface NodePostgres {
  Pool: new (config: object) => PgPool;
  Client: new (config: object) => PgListenClient;
}

/**
 * node-postgres as the ORM's Postgres driver has it (the optional `@mikro-orm/postgresql` peer brings both): resolved
 * from that package, so it is the copy the ORM was built against and needs no install of its own. Its types are not
 * installed; the few calls made here are typed above.
 */
export function nodePostgres(): NodePostgres {
  const fromDriver = createRequire(createRequire(import.meta.url).resolve('@mikro-orm/postgresql'));
  return fromDriver('pg') as NodePostgres;
}
