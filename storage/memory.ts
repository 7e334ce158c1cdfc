import type { PruneCounts, Storage } from '../lib/storage.js';
import type {
  AuditEvent,
  EmbedKey,
  EngineKey,
  Invoice,
  MagicLinkToken,
  Offering,
  ResumeNonce,
  Session,
  SigningKey,
  Tenant,
} from '../lib/types.js';
import { CustomerTable } from './memory/customers.js';
import { JtiTable, RateLimitTable } from './memory/limits.js';
import { memorySubscriptions } from './memory/subscriptions.js';
import { compare, copy, deleteWhere, newestFirst, scoped } from './memory/shared.js';

export interface MemoryStorageOptions {
  /** Most rate-limit counters kept at once (default 100 000); the least recently hit go first past it. */
  rateLimitMaxKeys?: number;
  /** Most audit events kept (default 10 000); past it the oldest go first. */
  auditMaxEvents?: number;
}

/** The in-memory storage, plus a read-only view of its rate-limit table for tests and metrics. */
export interface MemoryStorage extends Storage {
  /** How many rate-limit counters are held right now. */
  rateLimitKeyCount(): number;
}

const DEFAULT_RATE_LIMIT_MAX_KEYS = 100_000;
const DEFAULT_AUDIT_MAX_EVENTS = 10_000;

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
  const maxAudit = options.auditMaxEvents ?? DEFAULT_AUDIT_MAX_EVENTS;
  if (!Number.isInteger(maxAudit) || maxAudit < 1) {
    throw new TypeError('auditMaxEvents must be a positive integer');
  }

  const tenants = new Map<string, Tenant>();
  const embedKeys = new Map<string, EmbedKey>();
  const signingKeys = new Map<string, SigningKey>();
  const customers = new CustomerTable();
  const offerings = new Map<string, Offering>();
  const invoices = new Map<string, Invoice>();
  const sessions = new Map<string, Session>();
  const jtis = new JtiTable();
  const rateLimits = new RateLimitTable(maxKeys);
  const magicLinks = new Map<string, MagicLinkToken>();
  const audit = new Map<string, AuditEvent>();
  // Resume-key thumbprints both ways: one key per session, one session per key.
  const sidByKey = new Map<string, string>();
  const keyBySid = new Map<string, string>();
  const resumeNonces = new Map<string, ResumeNonce>();
  let engineKey: EngineKey | null = null;

  const tenantKeys = (tenant: string): SigningKey[] =>
    [...signingKeys.values()].filter((key) => key.tenant === tenant);

  const insertOnce = <T>(map: Map<string, T>, key: string, value: T, what: string): void => {
    if (map.has(key)) throw new Error(`${what} already exists`);
    map.set(key, copy(value));
  };

  return {
    ...memorySubscriptions(),
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
      return customers.upsert(input, onEmailTaken);
    },
    async createCustomer(input) {
      return customers.create(input);
    },
    async getCustomer(tenant, id) {
      return customers.get(tenant, id);
    },
    async getCustomerByExternalId(tenant, externalId) {
      return customers.getByExternalId(tenant, externalId);
    },
    async getCustomerByEmail(tenant, email) {
      return customers.getByEmail(tenant, email);
    },
    async listCustomers(tenant, filter) {
      return customers.list(tenant, filter);
    },

    async putOffering(offering) {
      offerings.set(scoped(offering.tenant, offering.id), copy(offering));
      return copy(offering);
    },
    async listOfferings(tenant, filter) {
      return [...offerings.values()]
        .filter((o) => o.tenant === tenant && (filter.status === undefined || o.status === filter.status))
        .sort((a, b) => a.position - b.position || compare(a.name, b.name) || compare(a.id, b.id))
        .map(copy);
    },
    async putInvoice(invoice) {
      // Read and write with no await between them: racing puts of one id see each other's write.
      const key = scoped(invoice.tenant, invoice.id);
      const stored = invoices.get(key);
      if (stored && stored.customerId !== invoice.customerId) return 'other_customer';
      invoices.set(key, copy(invoice));
      return copy(invoice);
    },
    async listInvoices(query) {
      const { after } = query;
      return [...invoices.values()]
        .filter(
          (inv) =>
            inv.tenant === query.tenant &&
            inv.customerId === query.customerId &&
            (query.status === undefined || inv.status === query.status) &&
            (after === undefined || newestFirst(inv.issuedAt, inv.id, after.issuedAt, after.id) > 0),
        )
        .sort((a, b) => newestFirst(a.issuedAt, a.id, b.issuedAt, b.id))
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
    async getSessionWithCustomer(sid) {
      const session = sessions.get(sid);
      const customer = session ? customers.get(session.tenant, session.customerId) : null;
      return session && customer ? { session: copy(session), customer } : null;
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

    async bindSessionKey(sid, jkt) {
      // Both checks and both writes with no await between them: of racing binds of one key exactly one sees it free.
      if (!sessions.has(sid) || keyBySid.has(sid) || sidByKey.has(jkt)) return false;
      sidByKey.set(jkt, sid);
      keyBySid.set(sid, jkt);
      return true;
    },
    async getSessionByKey(tenant, jkt) {
      const sid = sidByKey.get(jkt);
      const session = sid === undefined ? undefined : sessions.get(sid);
      if (!session || session.tenant !== tenant) return null;
      const customer = customers.get(session.tenant, session.customerId);
      return customer ? { session: copy(session), customer } : null;
    },
    async createResumeNonce(nonce) {
      insertOnce(resumeNonces, nonce.nonceHash, nonce, 'resume nonce');
    },
    async consumeResumeNonce({ nonceHash, tenant, embedKeyId, now }) {
      // Checked and deleted with no await between them: of racing consumes exactly one still finds the nonce.
      const nonce = resumeNonces.get(nonceHash);
      if (!nonce || nonce.tenant !== tenant || nonce.embedKeyId !== embedKeyId || nonce.expiresAt.getTime() <= now.getTime()) {
        return false;
      }
      resumeNonces.delete(nonceHash);
      return true;
    },

    async reserveJti({ tenant, kid, jti, expiresAt, now }) {
      return jtis.reserve(tenant, kid, jti, expiresAt, now);
    },
    async startSession({ jti, session, audit: event }) {
      // Checked and written with no await in between, so a revoke is wholly before or after this step.
      if (session.signingKid !== null) {
        const key = signingKeys.get(scoped(session.tenant, session.signingKid));
        if (!key || key.status === 'REVOKED') return 'key_revoked';
      }
      // Rows that cannot be stored are refused before the jti is spent, as a SQL transaction would undo it.
      if (sessions.has(session.sid)) throw new Error('session already exists');
      if (audit.has(scoped(event.tenant, event.id))) throw new Error('audit event already exists');
      if (!jtis.reserve(jti.tenant, jti.kid, jti.jti, jti.expiresAt, jti.now)) return false;
      insertOnce(sessions, session.sid, session, 'session');
      insertOnce(audit, scoped(event.tenant, event.id), event, 'audit event');
      return true;
    },

    async hitRateLimit(key, windowMs, now) {
      return rateLimits.hit(key, windowMs, now);
    },
    async reserveRateLimit(key, windowMs, now, amount) {
      if (!Number.isInteger(amount) || amount < 1) throw new RangeError('amount must be a positive integer');
      return rateLimits.hit(key, windowMs, now, amount);
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
    async resealSecret(target, from, to) {
      if ('engineKid' in target) {
        if (engineKey === null || engineKey.kid !== target.engineKid || engineKey.sealedPrivateKey !== from) return false;
        engineKey = { ...engineKey, sealedPrivateKey: to };
        return true;
      }
      const key = signingKeys.get(scoped(target.tenant, target.kid));
      if (!key || key.sealedSecret !== from) return false;
      signingKeys.set(scoped(target.tenant, target.kid), { ...key, sealedSecret: to });
      return true;
    },

    async appendAudit(event) {
      insertOnce(audit, scoped(event.tenant, event.id), event, 'audit event');
      // Bounded like the rate-limit counters, so a flood of refused or capped requests cannot grow memory without
      // limit. A Map keeps insertion order: the first key is the oldest event appended.
      if (audit.size > maxAudit) audit.delete(audit.keys().next().value!);
    },
    async listAudit(query) {
      const { before, since } = query;
      return [...audit.values()]
        .filter(
          (e) =>
            e.tenant === query.tenant &&
            (query.type === undefined || e.type === query.type) &&
            (since === undefined || e.at.getTime() >= since.getTime()) &&
            (before === undefined || newestFirst(e.at, e.id, before.at, before.id) > 0),
        )
        .sort((a, b) => newestFirst(a.at, a.id, b.at, b.id))
        .slice(0, Math.max(0, query.limit))
        .map(copy);
    },

    async prune({ now, auditBefore }): Promise<PruneCounts> {
      const counts = {
        magicLinks: deleteWhere(magicLinks, (t) => t.expiresAt.getTime() < now.getTime()),
        jtis: jtis.prune(now),
        rateLimits: rateLimits.prune(now),
        sessions: deleteWhere(sessions, (s) => s.expiresAt.getTime() < now.getTime()),
        resumeNonces: deleteWhere(resumeNonces, (n) => n.expiresAt.getTime() < now.getTime()),
        audit: deleteWhere(audit, (e) => e.at.getTime() < auditBefore.getTime()),
      };
      // A pruned session takes its key binding with it, as the column does on SQL.
      for (const [sid, jkt] of keyBySid) {
        if (!sessions.has(sid)) {
          keyBySid.delete(sid);
          sidByKey.delete(jkt);
        }
      }
      return counts;
    },
  };
}
