import { createHmac } from 'node:crypto';
import type { Framework } from './frameworks.js';
import type { StorageName } from './storages.js';

/** The only origin on the bench tenant's embed key; every measured request carries it. */
export const BENCH_ORIGIN = 'https://bench.example.com';
export const ISSUER = `${BENCH_ORIGIN}/aforo`;
export const PREFIX = '/aforo';
/** The one customer every bridge token names: the exchange is measured for a returning customer. */
export const RETURNING_CUSTOMER = { externalId: 'cust-bench', email: 'returning@bench.example.com', name: 'Returning Customer' };
/** Customers with an email, for the known side of the magic-link timing. */
export const KNOWN_CUSTOMERS = 50;

/** What bench/server.ts prints on its one stdout line. */
export interface ServerInfo {
  port: number;
  tenant: string;
  embedKey: string;
  kid: string;
  secret: string;
  knownEmails: string[];
  storage: StorageName;
  framework: Framework;
  /** Magic links stored for the returning customer (0 when none): link i's token is `magicToken(magicSeed, i)`. */
  magicLinks: number;
  magicSeed: string;
  /** The server's process id, added by the process that started it (not printed by the server). */
  pid?: number;
}

/** The raw token of the i-th seeded magic link (the server stores its hash; the load generator sends it). */
export function magicToken(seed: string, i: number): string {
  return createHmac('sha256', seed).update(String(i)).digest('base64url');
}

/** The headers every widget call sends: the browser's origin, the tenant and the embed key. */
export function embedHeaders(info: ServerInfo): Record<string, string> {
  return { origin: BENCH_ORIGIN, 'x-aforo-tenant': info.tenant, 'x-aforo-embed-key': info.embedKey };
}
