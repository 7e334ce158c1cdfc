import { LRUCache } from 'lru-cache';
import type { ChangeFeed, Storage } from './storage.js';
import type { Customer, EmbedKey, Session, SigningKey, Tenant } from './types.js';

// Entries are dropped on every change the feed reports; the age bound only limits what a missed change (a process
// that died between its write and the feed) could cost.
const MAX_AGE_MS = 60_000;
const MAX_ROWS = 20_000;
const MAX_SESSIONS = 100_000;

type SessionRow = { session: Session; customer: Customer };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}

/**
 * The rows every widget request reads and almost nothing writes — embed keys, signing keys, tenants, customers, and
 * a session with its customer — kept in this process and dropped when the storage's change feed names them. With an
 * exact feed (SQLite) a revocation or an edit by any process (or the CLI) is seen on the next request; with Postgres's
 * notifications other processes see a change of a key, tenant or customer once it is delivered (normally well under a
 * millisecond after the commit), and sessions are not cached at all, so a session revocation holds at once. With a storage that has no feed, or while the
 * feed is not live, every read goes to the storage. Misses are not cached, so unknown ids cost what they did.
 *
 * Cached records are frozen: the engine's read paths never change what they read.
 */
export class ReadCache {
  private readonly rows = new LRUCache<string, object>({
    max: MAX_ROWS,
    ttl: MAX_AGE_MS,
    dispose: (value, name) => {
      if (name.startsWith('customerByExternalId:')) {
        const customer = value as Customer;
        this.customerKeys.delete(`${customer.tenant} ${customer.id}`);
      }
    },
  });
  private readonly sessions = new LRUCache<string, SessionRow>({ max: MAX_SESSIONS, ttl: MAX_AGE_MS });
  // `tenant id` of a cached customer -> its entry in `rows` (customers are cached by external id, named by id).
  private readonly customerKeys = new Map<string, string>();
  // Reads of `freshSigningKey` waiting for the end of this turn, by row name.
  private readonly turnReads = new Map<string, Promise<SigningKey | null>>();
  // Bumped on every change: a read that started before a change must not cache what it read.
  private epoch = 0;
  private feed: ChangeFeed | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly storage: Storage) {}

  /** Attaches to the storage's feed once the storage is initialised. */
  attach(): void {
    this.detach();
    this.feed = this.storage.changeFeed?.() ?? null;
    this.unsubscribe = this.feed?.subscribe((topic) => this.forget(topic)) ?? null;
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.feed = null;
    this.clear();
  }

  /** Drops what a topic names (see ChangeFeed); this process's own writes call it too, before the feed echoes them. */
  forget(topic: string): void {
    this.epoch += 1;
    const colon = topic.indexOf(':');
    const kind = colon < 0 ? topic : topic.slice(0, colon);
    const key = topic.slice(colon + 1);
    switch (kind) {
      case 'embedKey':
      case 'signingKey':
      case 'tenant':
        this.rows.delete(`${kind}:${key}`);
        return;
      case 'session':
        this.sessions.delete(key);
        return;
      case 'customer': {
        const [tenant, id] = splitOnce(key);
        const byExternal = this.customerKeys.get(key);
        if (byExternal !== undefined) this.rows.delete(byExternal);
        for (const [sid, row] of this.sessions.entries()) {
          if (row.customer.tenant === tenant && row.customer.id === id) this.sessions.delete(sid);
        }
        return;
      }
      case 'signingKeySessions': {
        const [tenant, kid] = splitOnce(key);
        for (const [sid, row] of this.sessions.entries()) {
          if (row.session.tenant === tenant && row.session.signingKid === kid) this.sessions.delete(sid);
        }
        return;
      }
      case 'signingKeysOf': {
        for (const name of [...this.rows.keys()]) {
          if (name.startsWith(`signingKey:${key} `)) this.rows.delete(name);
        }
        return;
      }
      default:
        this.clear();
    }
  }

  clear(): void {
    this.epoch += 1;
    this.rows.clear();
    this.customerKeys.clear();
    this.sessions.clear();
  }

  getEmbedKey(id: string): Promise<EmbedKey | null> {
    return this.row(`embedKey:${id}`, () => this.storage.getEmbedKey(id));
  }

  getSigningKey(tenant: string, kid: string): Promise<SigningKey | null> {
    return this.row(`signingKey:${tenant} ${kid}`, () => this.storage.getSigningKey(tenant, kid));
  }

  /**
   * The signing key as the storage holds it now, never from the cache: what an exchange checks after its session was
   * written. The calls of one turn of the event loop share one storage read, issued at the end of that turn, so it
   * starts after every caller's write was answered.
   */
  freshSigningKey(tenant: string, kid: string): Promise<SigningKey | null> {
    const name = `signingKey:${tenant} ${kid}`;
    let pending = this.turnReads.get(name);
    if (!pending) {
      pending = new Promise((resolve, reject) => {
        setImmediate(() => {
          this.turnReads.delete(name);
          Promise.resolve().then(() => this.storage.getSigningKey(tenant, kid)).then(resolve, reject);
        });
      });
      this.turnReads.set(name, pending);
    }
    return pending;
  }

  getTenant(slug: string): Promise<Tenant | null> {
    return this.row(`tenant:${slug}`, () => this.storage.getTenant(slug));
  }

  /** The exchange's lookup of a returning customer; dropped when the customer's email, name or external id change. */
  async getCustomerByExternalId(tenant: string, externalId: string): Promise<Customer | null> {
    const name = `customerByExternalId:${tenant} ${externalId}`;
    const found = await this.row(name, () => this.storage.getCustomerByExternalId(tenant, externalId));
    if (found && this.rows.has(name)) this.customerKeys.set(`${found.tenant} ${found.id}`, name);
    return found;
  }

  async getSessionWithCustomer(sid: string): Promise<SessionRow | null> {
    const feed = this.usableFeed();
    // A revocation must be refused on the very next call in every process: only a feed that has caught up with every
    // commit before the call (SQLite) may answer for the row. On Postgres, notifications trail the commit by a moment.
    if (!feed || !feed.exact) return this.storage.getSessionWithCustomer(sid);
    await feed.catchUp();
    const hit = this.sessions.get(sid);
    if (hit) return hit;
    const epoch = this.epoch;
    const found = await this.storage.getSessionWithCustomer(sid);
    if (found && epoch === this.epoch && this.feed === feed && feed.live()) this.sessions.set(sid, deepFreeze(found));
    return found;
  }

  private async row<T extends object>(name: string, read: () => Promise<T | null>): Promise<T | null> {
    const feed = this.usableFeed();
    if (!feed) return read();
    await feed.catchUp();
    const hit = this.rows.get(name);
    if (hit) return hit as T;
    const epoch = this.epoch;
    const found = await read();
    if (found && epoch === this.epoch && this.feed === feed && feed.live()) this.rows.set(name, deepFreeze(found));
    return found;
  }

  private usableFeed(): ChangeFeed | null {
    const feed = this.feed;
    return feed && feed.live() ? feed : null;
  }
}

function splitOnce(key: string): [string, string] {
  const space = key.indexOf(' ');
  return space < 0 ? [key, ''] : [key.slice(0, space), key.slice(space + 1)];
}
