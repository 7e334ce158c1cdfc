import type {
  AuditEvent,
  Customer,
  EmbedKey,
  EngineKey,
  Invoice,
  InvoiceStatus,
  MagicLinkToken,
  Offering,
  ResumeNonce,
  Session,
  SigningKey,
  Subscription,
  Tenant,
  UsageRecord,
} from './types.js';

/**
 * The storage contract every backend (memory, SQLite, Postgres, a third party's) implements.
 *
 * This file is the specification; `aforo-bridge/testing` checks it. Rules that hold for every method:
 * - Methods are domain steps, not queries. There are no transactions in the interface: each step that
 *   must be atomic is one method, and its doc says what it guarantees when called concurrently — from
 *   one process or from several processes sharing one database.
 * - Lookups return `null` for "not there"; they never throw for it.
 * - Returned records are copies: mutating one never changes what is stored.
 * - `now` is always passed in by the engine (tests drive the clock); a backend never reads the clock
 *   to decide expiry.
 * - Tenant-scoped lookups are scoped: a record of tenant A is never returned for tenant B.
 */
export interface Storage {
  /** Prepares the backend (connects, migrates). Called once by `createBridge`; idempotent. */
  init(): Promise<void>;
  /** Releases connections. After it, no method is called. */
  close(): Promise<void>;
  /** Throws when the backend cannot be reached (readiness probe). */
  ping(): Promise<void>;
  /**
   * Optional, after `init()`: the feed of committed changes to the rows the engine caches, from every process
   * sharing the database. Without one, the engine reads those rows from the storage on every request.
   */
  changeFeed?(): ChangeFeed | null;

  // ---- tenants ---------------------------------------------------------------------------------
  /** Inserts the tenant when its slug is free. Returns false when the slug exists (first writer wins). */
  createTenant(tenant: Tenant): Promise<boolean>;
  getTenant(slug: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;

  // ---- embed keys ------------------------------------------------------------------------------
  createEmbedKey(key: EmbedKey): Promise<void>;
  getEmbedKey(id: string): Promise<EmbedKey | null>;
  listEmbedKeys(tenant: string): Promise<EmbedKey[]>;
  /** Replaces the allowlist and/or status. Returns the updated key, or null when (tenant, id) is unknown. */
  updateEmbedKey(
    tenant: string,
    id: string,
    patch: { allowedOrigins?: string[]; status?: EmbedKey['status'] },
  ): Promise<EmbedKey | null>;
  /** True when some ACTIVE embed key of any tenant lists this (normalised) origin. Used by CORS preflight. */
  isOriginAllowedByAnyKey(origin: string): Promise<boolean>;

  // ---- tenant signing keys ---------------------------------------------------------------------
  createSigningKey(key: SigningKey): Promise<void>;
  getSigningKey(tenant: string, kid: string): Promise<SigningKey | null>;
  /** Oldest first. */
  listSigningKeys(tenant: string): Promise<SigningKey[]>;
  /**
   * Atomically: when `kid` is NEXT it becomes ACTIVE (promotedAt = now) and whatever key was ACTIVE becomes
   * RETIRING. At most one key of a tenant is ACTIVE at any time, even when promotions race.
   * Returns the promoted key, `'not_found'`, or `'not_next'` (the key is not NEXT — including the loser of
   * two concurrent promotions of one key).
   */
  promoteSigningKey(tenant: string, kid: string, now: Date): Promise<SigningKey | 'not_found' | 'not_next'>;
  /**
   * Atomically marks the key REVOKED. Unless `force`, refuses (`'last_key'`) when it is the tenant's only key that
   * still verifies (NEXT, ACTIVE or RETIRING); two concurrent revokes of a tenant's last two keys leave one.
   * Revoking a REVOKED key returns it unchanged.
   */
  revokeSigningKey(
    tenant: string,
    kid: string,
    options: { force: boolean; now: Date },
  ): Promise<SigningKey | 'not_found' | 'last_key'>;

  // ---- customers -------------------------------------------------------------------------------
  /**
   * Creates the customer on first sight of `(tenant, externalId)` or updates it. Exactly one record exists per
   * (tenant, externalId) however many calls race; every racer gets that record back.
   * `email` (stored as given, compared case-insensitively) is unique per tenant: when another customer holds it,
   * `onEmailTaken: 'keep'` leaves this customer's email as it was and reports `emailTaken: true`;
   * `'fail'` changes nothing at all and returns `'email_taken'`. `undefined` fields are left as they are;
   * `null` clears them.
   */
  upsertCustomer(
    input: {
      tenant: string;
      externalId: string;
      newId: string;
      email?: string | null;
      name?: string | null;
      now: Date;
    },
    onEmailTaken: 'keep' | 'fail',
  ): Promise<{ customer: Customer; created: boolean; emailTaken: boolean } | 'email_taken'>;
  /**
   * Creates a customer and never touches an existing one: `'external_id_taken'` when (tenant, externalId) exists,
   * `'email_taken'` when another customer holds the email (case-insensitively). Of racing creates of one
   * externalId or one email exactly one succeeds. Magic-link sign-up uses it, so a sign-up can never land in, or
   * rewrite, a customer that someone else's bridge token made.
   */
  createCustomer(input: {
    tenant: string;
    externalId: string;
    newId: string;
    email: string;
    name?: string | null;
    now: Date;
  }): Promise<Customer | 'external_id_taken' | 'email_taken'>;
  getCustomer(tenant: string, id: string): Promise<Customer | null>;
  getCustomerByExternalId(tenant: string, externalId: string): Promise<Customer | null>;
  /** Case-insensitive exact match. */
  getCustomerByEmail(tenant: string, email: string): Promise<Customer | null>;
  /** Ordered by createdAt then id. */
  listCustomers(tenant: string, filter: { email?: string }): Promise<Customer[]>;

  // ---- offerings and invoices ------------------------------------------------------------------
  /** Inserts or replaces the offering (tenant, id). */
  putOffering(offering: Offering): Promise<Offering>;
  /** Ordered by name then id. */
  listOfferings(tenant: string, filter: { status?: Offering['status'] }): Promise<Offering[]>;
  /**
   * Inserts the invoice (tenant, id), or replaces it when it already belongs to the same customer. An invoice never
   * moves between customers: when (tenant, id) belongs to another customer nothing changes and `'other_customer'` is
   * returned. One conditional write: of racing puts of one new id for different customers exactly one stores it
   * (in one process or several), every other gets `'other_customer'`.
   */
  putInvoice(invoice: Invoice): Promise<Invoice | 'other_customer'>;
  /**
   * The customer's invoices, newest `issuedAt` first, ties by id descending; only those strictly after `after`
   * in that order; at most `limit`.
   */
  listInvoices(query: {
    tenant: string;
    customerId: string;
    status?: InvoiceStatus;
    limit: number;
    after?: { issuedAt: Date; id: string };
  }): Promise<Invoice[]>;

  // ---- subscriptions and usage (SPEC section 10) -------------------------------------------------
  /**
   * Inserts the subscription (tenant, id), or replaces it when it already belongs to the same customer. A
   * subscription never moves between customers: when (tenant, id) belongs to another customer nothing changes and
   * `'other_customer'` is returned. One conditional write, as `putInvoice`: of racing puts of one new id for
   * different customers exactly one stores it.
   */
  putSubscription(subscription: Subscription): Promise<Subscription | 'other_customer'>;
  /**
   * A checkout's subscription: stores `subscription` when (tenant, id) is free or holds a CANCELED subscription of the
   * same customer, and answers true; answers false and changes nothing when a subscription that is not CANCELED (or
   * one of another customer) holds the id. One conditional write: of racing calls for one id exactly one gets true.
   */
  subscribe(subscription: Subscription): Promise<boolean>;
  getSubscription(tenant: string, id: string): Promise<Subscription | null>;
  /** The customer's subscriptions, ordered by createdAt then id. */
  listSubscriptions(tenant: string, customerId: string): Promise<Subscription[]>;
  /**
   * Changes the given fields of (tenant, id) and sets updatedAt = now, only when it belongs to `customerId` and its
   * status is not CANCELED; returns the updated subscription, else null and changes nothing. One conditional
   * write: racing updates each apply whole, one after another (the last one's fields win), never half of each.
   */
  updateSubscription(input: {
    tenant: string;
    customerId: string;
    id: string;
    now: Date;
    set: Partial<Pick<Subscription, 'cancelAtPeriodEnd' | 'ratePlanId' | 'amountCents' | 'currency' | 'interval'>>;
  }): Promise<Subscription | null>;
  /** Inserts or replaces the usage record (tenant, subscriptionId, feature). */
  putUsage(record: UsageRecord): Promise<UsageRecord>;
  /** The subscription's usage records, ordered by feature. */
  listUsage(tenant: string, subscriptionId: string): Promise<UsageRecord[]>;

  // ---- sessions --------------------------------------------------------------------------------
  createSession(session: Session): Promise<void>;
  /**
   * Optional: the writes of one bridge exchange for a known customer as one step — when the session's signing key
   * (`session.tenant`, `session.signingKid`) exists and is not REVOKED, `reserveJti(jti)`, and only when that returns
   * true, `createSession(session)` and `appendAudit(audit)`. True when stored; false for a replayed jti and
   * `'key_revoked'` for a missing or REVOKED key, both having written nothing. All or nothing (one transaction on
   * SQL), so racing replays behave as with `reserveJti`. The key check is ordered with `revokeSigningKey`: a revoke
   * that returns after this step answered true is ordered after it, so a `revokeSessionsBySigningKey` that follows the
   * revoke ends this session (SQL: the check runs inside the write transaction, with a share lock on the key row on
   * Postgres). Without it the engine makes the three calls and reads the key again after them.
   */
  startSession?(input: {
    jti: { tenant: string; kid: string; jti: string; expiresAt: Date; now: Date };
    session: Session;
    audit: AuditEvent;
  }): Promise<boolean | 'key_revoked'>;
  getSession(sid: string): Promise<Session | null>;
  /**
   * The session and the customer it belongs to, in one read (a join on SQL): what every session-bearing request
   * checks. Null when either is missing.
   */
  getSessionWithCustomer(sid: string): Promise<{ session: Session; customer: Customer } | null>;
  /**
   * Sets refreshedAt when the session is neither revoked nor past its absolute expiry at `now`; returns the
   * updated session, else null. Racing with `revokeSession`, a refresh that returns a session happened before
   * the revoke.
   */
  touchSession(sid: string, now: Date): Promise<Session | null>;
  /** Sets revokedAt when not yet revoked. Returns true when this call revoked it. */
  revokeSession(sid: string, now: Date): Promise<boolean>;
  /** Revokes every live session created with (tenant, signingKid). Returns how many it revoked. */
  revokeSessionsBySigningKey(tenant: string, signingKid: string, now: Date): Promise<number>;

  // ---- resumable magic-link sessions (SPEC section 9) ------------------------------------------------------
  /**
   * Binds the RFC 7638 thumbprint `jkt` of a browser's resume key to the session. A thumbprint is bound to at most
   * one session and a session to at most one thumbprint: returns false, changing nothing, when the session is
   * unknown or already bound, or when `jkt` is bound to any session (of racing binds of one `jkt`, exactly one wins).
   */
  bindSessionKey(sid: string, jkt: string): Promise<boolean>;
  /**
   * The session of `tenant` bound to `jkt`, with its customer, in one read, whatever its state (revoked, expired):
   * the engine decides what the state means. Null when no session of this tenant is bound to it.
   */
  getSessionByKey(tenant: string, jkt: string): Promise<{ session: Session; customer: Customer } | null>;
  /** Stores a fresh nonce (its hash; the nonce itself never reaches storage). */
  createResumeNonce(nonce: ResumeNonce): Promise<void>;
  /**
   * Spends the nonce when it exists for this tenant and embed key and `expiresAt` is after `now`: returns true and
   * forgets it; otherwise false, changing nothing. One conditional write: of any number of concurrent consumes of
   * one nonce (any processes), exactly one gets true.
   */
  consumeResumeNonce(input: { nonceHash: string; tenant: string; embedKeyId: string; now: Date }): Promise<boolean>;

  // ---- one-time bridge-token ids ---------------------------------------------------------------
  /**
   * Remembers (tenant, kid, jti) until `expiresAt`. Returns true for the first caller and false for every other,
   * however many race, in one process or several. A remembered jti whose `expiresAt` is before `now` may be
   * taken again.
   */
  reserveJti(input: { tenant: string; kid: string; jti: string; expiresAt: Date; now: Date }): Promise<boolean>;

  // ---- rate limits -----------------------------------------------------------------------------
  /**
   * Adds one hit to the fixed window of `windowMs` that contains `now` for `key` and returns the count after
   * this hit (1 for the first). Concurrent hits each get a distinct count: n racing hits on a fresh window
   * return exactly 1..n. `resetAt` is the window's end.
   */
  hitRateLimit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }>;
  /**
   * Optional: adds `amount` hits at once to that window and returns the count after them, so the caller owns the
   * counts `count - amount + 1 … count`. Racing reservations (and hits) get disjoint ranges, in one process or
   * several. An engine process uses it to take blocks of a busy key's budget instead of writing every hit.
   */
  reserveRateLimit?(key: string, windowMs: number, now: Date, amount: number): Promise<{ count: number; resetAt: Date }>;

  // ---- magic links -----------------------------------------------------------------------------
  createMagicLink(token: MagicLinkToken): Promise<void>;
  /**
   * Marks the token used when it exists for this tenant and embed key, is unused and `expiresAt` is after `now`,
   * and returns it; otherwise returns null and changes nothing. One conditional write: of any number of
   * concurrent consumes of one token (any processes), exactly one gets the token.
   */
  consumeMagicLink(input: {
    tokenHash: string;
    tenant: string;
    embedKeyId: string;
    now: Date;
  }): Promise<MagicLinkToken | null>;
  /** For tests and audits: the stored record, or null. */
  getMagicLink(tokenHash: string): Promise<MagicLinkToken | null>;

  // ---- engine key ------------------------------------------------------------------------------
  getEngineKey(): Promise<EngineKey | null>;
  /**
   * Stores the key when none is stored and returns the stored one: when processes race on first start, all of
   * them end up with the same key.
   */
  saveEngineKeyIfAbsent(key: EngineKey): Promise<EngineKey>;
  /**
   * Replaces a sealed secret while it is still `from` (compare-and-set): the engine key's sealed private key
   * (`{ engineKid }`) or an HS256 signing key's sealed secret (`{ tenant, kid }`). The engine seals with it what was
   * stored before a master key was set. True when this call changed it; of racing calls with one `from`, one wins.
   */
  resealSecret(target: { engineKid: string } | { tenant: string; kid: string }, from: string, to: string): Promise<boolean>;

  // ---- audit -----------------------------------------------------------------------------------
  appendAudit(event: AuditEvent): Promise<void>;
  /** Newest first (at, then id, descending); only events strictly before `before` in that order. */
  listAudit(query: {
    tenant: string;
    type?: string;
    since?: Date;
    limit: number;
    before?: { at: Date; id: string };
  }): Promise<AuditEvent[]>;

  // ---- housekeeping ----------------------------------------------------------------------------
  /**
   * Deletes what can no longer matter at `now`: magic links expired before `now`, jtis expired before `now`,
   * rate-limit windows ended before `now`, sessions whose absolute expiry is before `now`, resume nonces expired
   * before `now`, audit events before
   * `auditBefore`. Never deletes a live record. Returns how many rows of each kind went.
   */
  prune(input: { now: Date; auditBefore: Date }): Promise<PruneCounts>;
}

/**
 * Tells a process which cached rows another writer changed. Topics: `embedKey:<id>`, `signingKey:<tenant> <kid>`,
 * `tenant:<slug>`, `session:<sid>` (revoked), `customer:<tenant> <id>` (email, name or external id changed), and
 * `*` (anything may have changed: forget everything).
 */
export interface ChangeFeed {
  /** False while changes may be missed (a listening connection is down): cached rows must not be used. */
  live(): boolean;
  /**
   * True when `catchUp` sees every change committed before the current turn of the event loop began and every change
   * this process made before the call (SQLite reads them), false when delivery runs a little behind the commit
   * (Postgres notifications). Only an exact feed may stand in for the session read, whose revocation must be
   * refused on the very next call in every process.
   */
  readonly exact: boolean;
  subscribe(listener: (topic: string) => void): () => void;
  /**
   * Settles once every change committed before the call has reached the listeners; `undefined` when delivery is
   * pushed and there is nothing to wait for.
   */
  catchUp(): Promise<void> | undefined;
  close(): Promise<void>;
}

export interface PruneCounts {
  magicLinks: number;
  jtis: number;
  rateLimits: number;
  sessions: number;
  resumeNonces: number;
  audit: number;
}
