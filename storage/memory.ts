import { LRUCache } from 'lru-cache';
import type { PruneCounts, Storage } from '../lib/storage.js';
import type {
  AuditEvent,
  Customer,
  EmbedKey,
  EngineKey,
  Invoice,
  MagicLinkToken,
  Offering,
  Session,
  SigningKey,
  Tenant,
} from '../lib/types.js';

export interface MemoryStorageOptions {
  /** Most rate-limit counters kept at once (default 100 000); the least recently hit go first past it. */
  rateLimitMaxKeys?: number;
}

/** The in-memory storage, plus a read-only view of its rate-limit table for tests and metrics. */
export interface MemoryStorage extends Storage {
  /** How many rate-limit counters are held right now. */
  rateLimitKeyCount(): number;
}

interface RateWindow {
  windowStart: number;
  windowEnd: number;
  count: number;
}

const DEFAULT_RATE_LIMIT_MAX_KEYS = 100_000;
const JTI_SWEEP_MIN = 1024;

const copy = <T>(value: T): T => structuredClone(value);
// A slug never contains NUL, so "tenant NUL id" cannot collide across tenants.
const scoped = (tenant: string, id: string): string => `${tenant}\u0000${id}`;
const lower = (email: string): string => email.toLowerCase();

/**
 * A storage that keeps everything in this process. For development, tests and single-process demos: nothing
 * survives a restart and several processes do not share it.
 *
 * Every method is `async` but does all its work synchronously, so no other call can run between a read and the
 * write that depends on it; that is what makes the one-time and unique steps atomic here.
 *
 * @example
 * const bridge = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'http://localhost:3000' });
 */
export function memoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const maxKeys = options.rateLimitMaxKeys ?? DEFAULT_RATE_LIMIT_MAX_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError('rateLimitMaxKeys must be a positive integer');
  }

  const tenants = new Map<string, Tenant>();
  const embedKeys = new Map<string, EmbedKey>();
  const signingKeys = new Map<string, SigningKey>();
  const customers = new Map<string, Customer>();
  const customerIdByExternalId = new Map<string, string>();
  const customerIdByEmail = new Map<string, string>();
  const offerings = new Map<string, Offering>();
  const invoices = new Map<string, Invoice>();
  const sessions = new Map<string, Session>();
  const jtis = new Map<string, number>();
  const magicLinks = new Map<string, MagicLinkToken>();
  const audit = new Map<string, AuditEvent>();
  let engineKey: EngineKey | null = null;
  let jtiSweepAt = JTI_SWEEP_MIN;
  // Bounded so a flood of distinct keys (random emails, spoofed IPs) cannot grow memory without limit. The price:
  // past the cap the least recently hit counter is forgotten and starts again at 1.
  const rateLimits = new LRUCache<string, RateWindow>({ max: maxKeys });

  const tenantKeys = (tenant: string): SigningKey[] =>
    [...signingKeys.values()].filter((key) => key.tenant === tenant);

  const insertOnce = <T>(map: Map<string, T>, key: string, value: T, what: string): void => {
    if (map.has(key)) throw new Error(`${what} already exists`);
    map.set(key, copy(value));
  };

  const sweepJtis = (now: number): number => {
    let removed = 0;
    for (const [key, expiresAt] of jtis) {
      if (expiresAt < now) {
        jtis.delete(key);
        removed += 1;
      }
    }
    return removed;
  };

  return {
    async init() {},
    async close() {},
    async ping() {},
    rateLimitKeyCount: () => rateLimits.size,

    async createTenant(tenant) {
      if (tenants.has(tenant.slug)) return false;
      tenants.set(tenant.slug, copy(tenant));
      return true;
    },
    async getTenant(slug) {
      const tenant = tenants.get(slug);
      return tenant ? copy(tenant) : null;
    },
    async listTenants() {
      return [...tenants.values()].sort((a, b) => compare(a.slug, b.slug)).map(copy);
    },

    async createEmbedKey(key) {
      insertOnce(embedKeys, key.id, key, 'embed key');
    },
    async getEmbedKey(id) {
      const key = embedKeys.get(id);
      return key ? copy(key) : null;
    },
    async listEmbedKeys(tenant) {
      return [...embedKeys.values()]
        .filter((key) => key.tenant === tenant)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id))
        .map(copy);
    },
    async updateEmbedKey(tenant, id, patch) {
      const key = embedKeys.get(id);
      if (!key || key.tenant !== tenant) return null;
      if (patch.allowedOrigins !== undefined) key.allowedOrigins = [...patch.allowedOrigins];
      if (patch.status !== undefined) key.status = patch.status;
      return copy(key);
    },
    async isOriginAllowedByAnyKey(origin) {
      for (const key of embedKeys.values()) {
        if (key.status === 'ACTIVE' && key.allowedOrigins.includes(origin)) return true;
      }
      return false;
    },

    async createSigningKey(key) {
      insertOnce(signingKeys, scoped(key.tenant, key.kid), key, 'signing key');
    },
    async getSigningKey(tenant, kid) {
      const key = signingKeys.get(scoped(tenant, kid));
      return key ? copy(key) : null;
    },
    async listSigningKeys(tenant) {
      return tenantKeys(tenant)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.kid, b.kid))
        .map(copy);
    },
    async promoteSigningKey(tenant, kid, now) {
      // The status check and both status changes run without an await between them, so of two racing
      // promotions the second sees the first one's result: one ACTIVE key at any time.
      const key = signingKeys.get(scoped(tenant, kid));
      if (!key) return 'not_found';
      if (key.status !== 'NEXT') return 'not_next';
      for (const other of tenantKeys(tenant)) {
        if (other.status === 'ACTIVE') other.status = 'RETIRING';
      }
      key.status = 'ACTIVE';
      key.promotedAt = new Date(now);
      return copy(key);
    },
    async revokeSigningKey(tenant, kid, { force, now }) {
      // Counting the verifying keys and revoking happen in one synchronous step, so two racing revokes of a
      // tenant's last two keys cannot both see "another key still verifies".
      const key = signingKeys.get(scoped(tenant, kid));
      if (!key) return 'not_found';
      if (key.status === 'REVOKED') return copy(key);
      const verifying = tenantKeys(tenant).filter((other) => other.status !== 'REVOKED');
      if (!force && verifying.length <= 1) return 'last_key';
      key.status = 'REVOKED';
      key.revokedAt = new Date(now);
      return copy(key);
    },

    async upsertCustomer(input, onEmailTaken) {
      // Lookup, email-uniqueness check and insert/update run without an await, so racing upserts of one
      // externalId serialise: the first inserts, every later one finds and updates that record.
      const externalKey = scoped(input.tenant, input.externalId);
      const existingId = customerIdByExternalId.get(externalKey);
      const existing = existingId === undefined ? undefined : customers.get(scoped(input.tenant, existingId));
      let emailTaken = false;
      if (typeof input.email === 'string') {
        const holder = customerIdByEmail.get(scoped(input.tenant, lower(input.email)));
        emailTaken = holder !== undefined && holder !== existing?.id;
      }
      if (emailTaken && onEmailTaken === 'fail') return 'email_taken';
      const setEmail = input.email !== undefined && !emailTaken;

      if (!existing) {
        const customer: Customer = {
          id: input.newId,
          tenant: input.tenant,
          externalId: input.externalId,
          email: setEmail ? (input.email ?? null) : null,
          name: input.name ?? null,
          createdAt: new Date(input.now),
          updatedAt: new Date(input.now),
        };
        customers.set(scoped(input.tenant, customer.id), customer);
        customerIdByExternalId.set(externalKey, customer.id);
        if (customer.email !== null) customerIdByEmail.set(scoped(input.tenant, lower(customer.email)), customer.id);
        return { customer: copy(customer), created: true, emailTaken };
      }

      let changed = false;
      if (setEmail && input.email !== existing.email) {
        if (existing.email !== null) customerIdByEmail.delete(scoped(input.tenant, lower(existing.email)));
        existing.email = input.email ?? null;
        if (existing.email !== null) customerIdByEmail.set(scoped(input.tenant, lower(existing.email)), existing.id);
        changed = true;
      }
      if (input.name !== undefined && input.name !== existing.name) {
        existing.name = input.name;
        changed = true;
      }
      if (changed) existing.updatedAt = new Date(input.now);
      return { customer: copy(existing), created: false, emailTaken };
    },
    async getCustomer(tenant, id) {
      const customer = customers.get(scoped(tenant, id));
      return customer ? copy(customer) : null;
    },
    async getCustomerByExternalId(tenant, externalId) {
      const id = customerIdByExternalId.get(scoped(tenant, externalId));
      const customer = id === undefined ? undefined : customers.get(scoped(tenant, id));
      return customer ? copy(customer) : null;
    },
    async getCustomerByEmail(tenant, email) {
      const id = customerIdByEmail.get(scoped(tenant, lower(email)));
      const customer = id === undefined ? undefined : customers.get(scoped(tenant, id));
      return customer ? copy(customer) : null;
    },
    async listCustomers(tenant, filter) {
      const email = filter.email === undefined ? undefined : lower(filter.email);
      return [...customers.values()]
        .filter((c) => c.tenant === tenant && (email === undefined || (c.email !== null && lower(c.email) === email)))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id))
        .map(copy);
    },

    async putOffering(offering) {
      offerings.set(scoped(offering.tenant, offering.id), copy(offering));
      return copy(offering);
    },
    async listOfferings(tenant, filter) {
      return [...offerings.values()]
        .filter((o) => o.tenant === tenant && (filter.status === undefined || o.status === filter.status))
        .sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id))
        .map(copy);
    },
    async putInvoice(invoice) {
      invoices.set(scoped(invoice.tenant, invoice.id), copy(invoice));
      return copy(invoice);
    },
    async listInvoices(query) {
      const newestFirst = (a: Invoice, b: Invoice): number =>
        b.issuedAt.getTime() - a.issuedAt.getTime() || compare(b.id, a.id);
      const after = query.after;
      return [...invoices.values()]
        .filter(
          (inv) =>
            inv.tenant === query.tenant &&
            inv.customerId === query.customerId &&
            (query.status === undefined || inv.status === query.status) &&
            (after === undefined ||
              newestFirst(inv, { ...inv, issuedAt: after.issuedAt, id: after.id }) > 0),
        )
        .sort(newestFirst)
        .slice(0, Math.max(0, query.limit))
        .map(copy);
    },

    async createSession(session) {
      insertOnce(sessions, session.sid, session, 'session');
    },
    async getSession(sid) {
      const session = sessions.get(sid);
      return session ? copy(session) : null;
    },
    async touchSession(sid, now) {
      const session = sessions.get(sid);
      if (!session || session.revokedAt !== null || session.expiresAt.getTime() <= now.getTime()) return null;
      session.refreshedAt = new Date(now);
      return copy(session);
    },
    async revokeSession(sid, now) {
      const session = sessions.get(sid);
      if (!session || session.revokedAt !== null) return false;
      session.revokedAt = new Date(now);
      return true;
    },
    async revokeSessionsBySigningKey(tenant, signingKid, now) {
      let revoked = 0;
      for (const session of sessions.values()) {
        const live = session.revokedAt === null && session.expiresAt.getTime() > now.getTime();
        if (live && session.tenant === tenant && session.signingKid === signingKid) {
          session.revokedAt = new Date(now);
          revoked += 1;
        }
      }
      return revoked;
    },

    async reserveJti({ tenant, kid, jti, expiresAt, now }) {
      // Check and set with no await between them: of any number of racing reservations exactly one sees the
      // jti absent (or expired) and takes it.
      const key = `${scoped(tenant, kid)}\u0000${jti}`;
      const held = jtis.get(key);
      if (held !== undefined && held >= now.getTime()) return false;
      jtis.set(key, expiresAt.getTime());
      // Expired jtis are also swept here, amortised, so the map stays small even if prune is never called.
      if (jtis.size >= jtiSweepAt) {
        sweepJtis(now.getTime());
        jtiSweepAt = Math.max(JTI_SWEEP_MIN, jtis.size * 2);
      }
      return true;
    },

    async hitRateLimit(key, windowMs, now) {
      // Read and increment with no await between them: n racing hits on one window get exactly 1..n.
      const at = now.getTime();
      const windowStart = Math.floor(at / windowMs) * windowMs;
      const windowEnd = windowStart + windowMs;
      const current = rateLimits.get(key);
      const count = current !== undefined && current.windowStart === windowStart ? current.count + 1 : 1;
      // The counter means nothing after its window, so it expires there and never outlives it in memory.
      rateLimits.set(key, { windowStart, windowEnd, count }, { ttl: Math.max(1, windowEnd - at) });
      return { count, resetAt: new Date(windowEnd) };
    },

    async createMagicLink(token) {
      insertOnce(magicLinks, token.tokenHash, token, 'magic link');
    },
    async consumeMagicLink({ tokenHash, tenant, embedKeyId, now }) {
      // Every condition is checked and usedAt set with no await between them, so of racing consumes exactly one
      // finds the token unused. A refused consume returns before writing anything.
      const token = magicLinks.get(tokenHash);
      if (
        !token ||
        token.tenant !== tenant ||
        token.embedKeyId !== embedKeyId ||
        token.usedAt !== null ||
        token.expiresAt.getTime() <= now.getTime()
      ) {
        return null;
      }
      token.usedAt = new Date(now);
      return copy(token);
    },
    async getMagicLink(tokenHash) {
      const token = magicLinks.get(tokenHash);
      return token ? copy(token) : null;
    },

    async getEngineKey() {
      return engineKey ? copy(engineKey) : null;
    },
    async saveEngineKeyIfAbsent(key) {
      if (engineKey === null) engineKey = copy(key);
      return copy(engineKey);
    },

    async appendAudit(event) {
      insertOnce(audit, scoped(event.tenant, event.id), event, 'audit event');
    },
    async listAudit(query) {
      const newestFirst = (a: AuditEvent, b: AuditEvent): number =>
        b.at.getTime() - a.at.getTime() || compare(b.id, a.id);
      const { before, since } = query;
      return [...audit.values()]
        .filter(
          (e) =>
            e.tenant === query.tenant &&
            (query.type === undefined || e.type === query.type) &&
            (since === undefined || e.at.getTime() >= since.getTime()) &&
            (before === undefined || newestFirst(e, { ...e, at: before.at, id: before.id }) > 0),
        )
        .sort(newestFirst)
        .slice(0, Math.max(0, query.limit))
        .map(copy);
    },

    async prune({ now, auditBefore }): Promise<PruneCounts> {
      const at = now.getTime();
      const counts: PruneCounts = { magicLinks: 0, jtis: 0, rateLimits: 0, sessions: 0, audit: 0 };
      counts.magicLinks = deleteWhere(magicLinks, (t) => t.expiresAt.getTime() < at);
      counts.jtis = sweepJtis(at);
      counts.sessions = deleteWhere(sessions, (s) => s.expiresAt.getTime() < at);
      counts.audit = deleteWhere(audit, (e) => e.at.getTime() < auditBefore.getTime());
      for (const [key, window] of [...rateLimits.entries()]) {
        if (window.windowEnd < at) {
          rateLimits.delete(key);
          counts.rateLimits += 1;
        }
      }
      rateLimits.purgeStale();
      return counts;
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function deleteWhere<T>(map: Map<string, T>, expired: (value: T) => boolean): number {
  let removed = 0;
  for (const [key, value] of map) {
    if (expired(value)) {
      map.delete(key);
      removed += 1;
    }
  }
  return removed;
}
