import { ConfigError } from './errors.js';
import type { EventListener } from './audit.js';
import type { Mailer } from './mailer.js';
import type { MagicLinkTemplate } from './mail-template.js';
import type { Storage } from './storage.js';
import type { Customer, Invoice, InvoiceStatus, Subscription, UsageRecord } from './types.js';

/** Something with the four usual log methods: pino, console, or your own. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a tenant's `dataSource.listInvoices` hook receives and returns. */
export interface InvoiceQuery {
  tenant: string;
  customer: Customer;
  status?: InvoiceStatus;
  limit: number;
  cursor?: string;
}
export type InvoiceSource = (query: InvoiceQuery) => Promise<{ invoices: Invoice[]; nextCursor: string | null }>;

/** A subscription as a `dataSource` hook answers it; dates may be Date objects or ISO 8601 strings. */
export type SubscriptionData = Omit<Subscription, 'tenant' | 'customerId' | 'createdAt' | 'updatedAt' | 'currentPeriodStart' | 'currentPeriodEnd'> & {
  currentPeriodStart: Date | string;
  currentPeriodEnd: Date | string;
};
/** One metered feature's use as `dataSource.getUsage` answers it. */
export type UsageData = Omit<UsageRecord, 'tenant' | 'subscriptionId' | 'updatedAt' | 'periodStart' | 'periodEnd'> & {
  periodStart: Date | string;
  periodEnd: Date | string;
};
/** What every subscription hook receives: the tenant and the customer of the session (never from the request). */
export interface CustomerScope {
  tenant: string;
  customer: Customer;
}

/**
 * Hooks that read subscriptions and usage from the tenant's own billing system and act on them (SPEC section 10).
 * With `listSubscriptions` set, it says whose a subscription id is: the engine asks it before every id-scoped hook,
 * so another customer's id is a 404 whatever the other hooks do. A hook that throws (anything but a `BridgeError`
 * under 500) or answers a malformed value becomes 502 `upstream_failed`, logged, with nothing of it in the answer.
 */
export interface SubscriptionSource {
  listSubscriptions?: (query: CustomerScope) => Promise<SubscriptionData[]>;
  getUsage?: (query: CustomerScope & { subscriptionId: string }) => Promise<UsageData[]>;
  cancelSubscription?: (query: CustomerScope & { subscriptionId: string }) => Promise<SubscriptionData>;
  resumeSubscription?: (query: CustomerScope & { subscriptionId: string }) => Promise<SubscriptionData>;
  changePlan?: (query: CustomerScope & { subscriptionId: string; ratePlanId: string }) => Promise<SubscriptionData>;
  /** `{ url }` to send the customer to (https, or http on loopback), or `{ status: 'subscribed' }` when it is done. */
  startCheckout?: (
    query: CustomerScope & { offeringId: string; ratePlanId: string; returnUrl: string },
  ) => Promise<{ url: string } | { status: 'subscribed' }>;
}

const SUBSCRIPTION_HOOKS = ['listSubscriptions', 'getUsage', 'cancelSubscription', 'resumeSubscription', 'changePlan', 'startCheckout'] as const;

/** Options of `createBridge`. Only `storage`, `mailer` and `issuer` are required. */
export interface BridgeOptions {
  storage: Storage;
  mailer: Mailer;
  /** The engine's public URL, e.g. `https://portal.example.com/aforo`; the session JWT's `iss`. */
  issuer: string;
  /** Bearer token of the admin API; without it the admin API answers 401 to everyone. At least 16 characters. */
  adminToken?: string;
  /** Base64 of 32 random bytes; when set, HS256 secrets and the engine's private key are AES-256-GCM encrypted at rest. */
  masterKey?: string;
  /** Proxies whose `X-Forwarded-For` is believed: a hop count, or a list of proxy addresses. Default: none. */
  trustProxy?: number | string[] | false;
  /** Lifetime of one session JWT in seconds (60–86400, default 3600). */
  sessionTtl?: number;
  /** Absolute lifetime of a session across refreshes in seconds (default 86400). */
  sessionMaxAge?: number;
  bridgeToken?: {
    /** Longest `exp - iat` accepted, seconds (default 600). */
    maxLifetime?: number;
    /** Clock leeway, seconds (default 30). */
    leeway?: number;
  };
  /** Requests per minute per client IP on the exchange, refresh and magic-link exchange endpoints (default 300). */
  ipRateLimit?: number;
  /**
   * Admin API calls per minute per client IP without the right admin token (default 30); past it they get 429
   * `rate_limited`. Calls with the right token are never limited by it.
   */
  adminRateLimit?: number;
  magicLink?: {
    /** Link lifetime in seconds (default 900). */
    ttl?: number;
    perIpPerMinute?: number;
    perEmailPerHour?: number;
    /** Mail unknown emails a link and create the customer on redemption (default false). */
    allowSignup?: boolean;
    /** Replaces the default mail template. */
    template?: MagicLinkTemplate;
    /** Locale of the default template (default `en`). */
    locale?: string;
    /**
     * Let a magic-link session resume after a reload with the browser's non-extractable key (SPEC section 9;
     * default true). False: the exchange binds no key and both resume routes answer 401 `session_invalid`.
     */
    resume?: boolean;
    /** Seconds a session may go unseen (no exchange, refresh or resume) and still resume (default 43200, 12 h). */
    resumeIdle?: number;
  };
  dataSource?: { listInvoices?: InvoiceSource } & SubscriptionSource;
  /** Calls a minute one session may make to the subscription and checkout routes (default 120). */
  sessionRateLimit?: number;
  logger?: Logger;
  /** Listeners per event type (`session.created`, `bridge.refused`, …), called after the fact; see `bridge.on`. */
  on?: Record<string, EventListener>;
  housekeeping?: {
    /** Seconds between prunes of expired rows; 0 turns the timer off (run `aforo-bridge prune` instead). Default 3600. */
    intervalSeconds?: number;
    /** Days audit events are kept (default 90). */
    auditRetentionDays?: number;
  };
  /**
   * Serve Embed Studio, the tenant's admin pages, at `{prefix}/studio` (default false). It answers only when
   * `adminToken` is set too; sign-in takes the admin token.
   */
  studio?: boolean;
  /** The clock; tests pass their own. */
  clock?: () => Date;
}

export interface ResolvedConfig {
  storage: Storage;
  mailer: Mailer;
  issuer: string;
  issuerOrigin: string;
  adminToken: string | null;
  masterKey: Buffer | null;
  trustProxy: number | string[] | false;
  sessionTtl: number;
  sessionMaxAge: number;
  bridgeMaxLifetime: number;
  bridgeLeeway: number;
  ipRateLimit: number;
  adminRateLimit: number;
  magicLink: {
    ttl: number;
    perIpPerMinute: number;
    perEmailPerHour: number;
    allowSignup: boolean;
    template: MagicLinkTemplate | null;
    locale: string;
    resume: boolean;
    resumeIdle: number;
  };
  listInvoices: InvoiceSource | null;
  subscriptions: SubscriptionSource;
  sessionRateLimit: number;
  logger: Logger;
  on: Record<string, EventListener>;
  pruneIntervalSeconds: number;
  auditRetentionDays: number;
  studio: boolean;
  /** The issuer's path (the mount prefix in the usual setup): the studio cookie is scoped below it. */
  issuerPath: string;
  clock: () => Date;
}

/** Defaults, one sentence each. */
export const DEFAULTS = {
  /** One hour, as the SPEC fixes for the session JWT. */
  sessionTtl: 3600,
  /** A day: a browser tab may refresh its session for at most this long. */
  sessionMaxAge: 86400,
  /** Ten minutes; the recommended bridge-token lifetime is five. */
  bridgeMaxLifetime: 600,
  /** Thirty seconds of clock skew between the tenant's backend and the engine. */
  bridgeLeeway: 30,
  /** Per client IP per minute across the token-exchanging endpoints. */
  ipRateLimit: 300,
  /** Per session per minute on the subscription and checkout routes: a busy portal page, not a script. */
  sessionRateLimit: 120,
  /** Per client IP per minute, admin calls without the right token: enough for a mistyped token, too few to guess one. */
  adminRateLimit: 30,
  /** Fifteen minutes for a magic link. */
  magicLinkTtl: 900,
  magicLinkPerIpPerMinute: 10,
  magicLinkPerEmailPerHour: 5,
  /** Twelve hours unseen ends resumption: a browser left overnight signs in again the next day. */
  magicLinkResumeIdle: 43200,
  /** Hourly pruning keeps tables small without touching the database often. */
  pruneIntervalSeconds: 3600,
  /** Ninety days of audit trail, long enough to answer "who signed in last quarter". */
  auditRetentionDays: 90,
  /** Off, so no installation exposes an admin page it did not ask for; `serve` turns it on. */
  studio: false,
} as const;

const KNOWN = new Set([
  'storage', 'mailer', 'issuer', 'adminToken', 'masterKey', 'trustProxy', 'sessionTtl', 'sessionMaxAge',
  'bridgeToken', 'ipRateLimit', 'adminRateLimit', 'sessionRateLimit', 'magicLink', 'dataSource', 'logger', 'clock', 'on', 'housekeeping',
  'studio',
]);

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function knownKeys(name: string, value: unknown, keys: string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new ConfigError(`${name} must be an object`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new ConfigError(`unknown option ${name}.${key} (known: ${keys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(obj, msg) {
    console.warn(JSON.stringify({ level: 'warn', msg, ...obj }));
  },
  error(obj, msg) {
    console.error(JSON.stringify({ level: 'error', msg, ...obj }));
  },
};

/** Validates `createBridge` options once; every message names the option and what to do. */
export function resolveConfig(options: BridgeOptions): ResolvedConfig {
  if (typeof options !== 'object' || options === null) throw new ConfigError('createBridge needs an options object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ConfigError(`unknown option ${key} (known: ${[...KNOWN].join(', ')})`);
  }
  const storage = options.storage;
  if (!storage || typeof storage.reserveJti !== 'function') {
    throw new ConfigError('storage is required: pass memoryStorage(), sqliteStorage({ path }) or postgresStorage({ url })');
  }
  if (!options.mailer || typeof options.mailer.send !== 'function') {
    throw new ConfigError('mailer is required: pass smtpMailer({ url, from }), memoryMailer() or consoleMailer()');
  }
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(options.issuer);
  } catch {
    throw new ConfigError('issuer must be an absolute URL, e.g. https://portal.example.com/aforo');
  }
  if (issuerUrl.protocol !== 'https:' && issuerUrl.protocol !== 'http:') {
    throw new ConfigError('issuer must be an http: or https: URL');
  }
  if (options.adminToken !== undefined && (typeof options.adminToken !== 'string' || options.adminToken.length < 16)) {
    throw new ConfigError('adminToken must be a string of at least 16 characters');
  }
  let masterKey: Buffer | null = null;
  if (options.masterKey !== undefined) {
    masterKey = typeof options.masterKey === 'string' ? Buffer.from(options.masterKey, 'base64') : Buffer.alloc(0);
    if (masterKey.length !== 32) {
      throw new ConfigError('masterKey must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)');
    }
  }
  const trustProxy = options.trustProxy ?? false;
  if (trustProxy !== false) {
    const ok = (typeof trustProxy === 'number' && Number.isInteger(trustProxy) && trustProxy >= 0 && trustProxy <= 10) ||
      (Array.isArray(trustProxy) && trustProxy.every((a) => typeof a === 'string' && a.length > 0));
    if (!ok) throw new ConfigError('trustProxy must be a hop count (0-10) or a list of proxy IP addresses');
  }
  const sessionTtl = integer('sessionTtl', options.sessionTtl, DEFAULTS.sessionTtl, 60, 86400);
  const sessionMaxAge = integer('sessionMaxAge', options.sessionMaxAge, DEFAULTS.sessionMaxAge, 60, 30 * 86400);
  if (sessionMaxAge < sessionTtl) throw new ConfigError('sessionMaxAge must be at least sessionTtl');
  const bridge = knownKeys('bridgeToken', options.bridgeToken, ['maxLifetime', 'leeway']);
  const magic = knownKeys('magicLink', options.magicLink, [
    'ttl', 'perIpPerMinute', 'perEmailPerHour', 'allowSignup', 'template', 'locale', 'resume', 'resumeIdle',
  ]);
  if (magic.resume !== undefined && typeof magic.resume !== 'boolean') {
    throw new ConfigError('magicLink.resume must be a boolean');
  }
  if (magic.allowSignup !== undefined && typeof magic.allowSignup !== 'boolean') {
    throw new ConfigError('magicLink.allowSignup must be a boolean');
  }
  if (magic.template !== undefined && typeof magic.template !== 'function') {
    throw new ConfigError('magicLink.template must be a function (context) => { subject, text, html }');
  }
  if (magic.locale !== undefined && (typeof magic.locale !== 'string' || !/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(magic.locale))) {
    throw new ConfigError('magicLink.locale must be a BCP 47 language tag such as "en" or "es-MX"');
  }
  const dataSource = knownKeys('dataSource', options.dataSource, ['listInvoices', ...SUBSCRIPTION_HOOKS]);
  for (const hook of ['listInvoices', ...SUBSCRIPTION_HOOKS]) {
    if (dataSource[hook] !== undefined && typeof dataSource[hook] !== 'function') throw new ConfigError(`dataSource.${hook} must be a function`);
  }
  for (const hook of ['getUsage', 'cancelSubscription', 'resumeSubscription', 'changePlan']) {
    if (dataSource[hook] !== undefined && dataSource.listSubscriptions === undefined) {
      throw new ConfigError(`dataSource.${hook} needs dataSource.listSubscriptions too: it tells whose a subscription id is`);
    }
  }
  const subscriptions = Object.fromEntries(SUBSCRIPTION_HOOKS.filter((hook) => dataSource[hook] !== undefined).map((hook) => [hook, dataSource[hook]]));
  const logger = options.logger ?? consoleLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[level] !== 'function') throw new ConfigError(`logger must have a ${level}() method`);
  }
  if (options.on !== undefined && (typeof options.on !== 'object' || options.on === null)) {
    throw new ConfigError('on must be an object of event type to listener');
  }
  const on = options.on ?? {};
  for (const [type, listener] of Object.entries(on)) {
    if (typeof listener !== 'function') throw new ConfigError(`on.${type} must be a function`);
  }
  const housekeeping = knownKeys('housekeeping', options.housekeeping, ['intervalSeconds', 'auditRetentionDays']);
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new ConfigError('clock must be a function returning a Date');
  }
  if (options.studio !== undefined && typeof options.studio !== 'boolean') throw new ConfigError('studio must be a boolean');
  return {
    storage,
    mailer: options.mailer,
    issuer: options.issuer,
    issuerOrigin: `${issuerUrl.protocol}//${issuerUrl.host}`,
    adminToken: options.adminToken ?? null,
    masterKey,
    trustProxy,
    sessionTtl,
    sessionMaxAge,
    bridgeMaxLifetime: integer('bridgeToken.maxLifetime', bridge.maxLifetime, DEFAULTS.bridgeMaxLifetime, 10, 3600),
    bridgeLeeway: integer('bridgeToken.leeway', bridge.leeway, DEFAULTS.bridgeLeeway, 0, 300),
    ipRateLimit: integer('ipRateLimit', options.ipRateLimit, DEFAULTS.ipRateLimit, 1, 1_000_000),
    adminRateLimit: integer('adminRateLimit', options.adminRateLimit, DEFAULTS.adminRateLimit, 1, 1_000_000),
    magicLink: {
      ttl: integer('magicLink.ttl', magic.ttl, DEFAULTS.magicLinkTtl, 60, 86400),
      perIpPerMinute: integer('magicLink.perIpPerMinute', magic.perIpPerMinute, DEFAULTS.magicLinkPerIpPerMinute, 1, 100_000),
      perEmailPerHour: integer('magicLink.perEmailPerHour', magic.perEmailPerHour, DEFAULTS.magicLinkPerEmailPerHour, 1, 100_000),
      allowSignup: (magic.allowSignup as boolean | undefined) ?? false,
      template: (magic.template as MagicLinkTemplate | undefined) ?? null,
      locale: (magic.locale as string | undefined) ?? 'en',
      resume: (magic.resume as boolean | undefined) ?? true,
      resumeIdle: integer('magicLink.resumeIdle', magic.resumeIdle, DEFAULTS.magicLinkResumeIdle, 60, 30 * 86400),
    },
    listInvoices: (dataSource.listInvoices as InvoiceSource | undefined) ?? null,
    subscriptions: subscriptions as SubscriptionSource,
    sessionRateLimit: integer('sessionRateLimit', options.sessionRateLimit, DEFAULTS.sessionRateLimit, 1, 1_000_000),
    logger,
    on: on as Record<string, EventListener>,
    pruneIntervalSeconds: integer('housekeeping.intervalSeconds', housekeeping.intervalSeconds, DEFAULTS.pruneIntervalSeconds, 0, 7 * 86400),
    auditRetentionDays: integer('housekeeping.auditRetentionDays', housekeeping.auditRetentionDays, DEFAULTS.auditRetentionDays, 1, 3650),
    studio: options.studio ?? DEFAULTS.studio,
    issuerPath: issuerUrl.pathname.replace(/\/+$/, ''),
    clock: options.clock ?? (() => new Date()),
  };
}
