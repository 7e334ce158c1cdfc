import * as admin from './admin-api.js';
import * as adminSubscriptions from './admin-subscriptions.js';
import type { Caller } from './audit.js';
import * as embed from './embed-api.js';
import * as subscriptions from './embed-subscriptions.js';
import type { Engine } from './engine.js';
import type { MailQueue } from './mail-queue.js';
import { exchangeMagicLink, requestMagicLink, type Background } from './magic-link.js';
import { issueResumeNonce, resumeSession } from './resume.js';
import { BridgeError } from './errors.js';
import { verifyTenantSession, type ActiveSession } from './sessions.js';
import { isCleanString, SLUG } from './validate.js';

type Rest<F> = F extends (engine: Engine, ...rest: infer R) => infer Out ? (...args: R) => Out : never;

/** Binds each domain function to the engine so callers see `api.verb(input)`. */
function bind<T extends Record<string, (engine: Engine, ...args: never[]) => unknown>>(engine: Engine, verbs: T): { [K in keyof T]: Rest<T[K]> } {
  const bound: Record<string, unknown> = {};
  for (const [name, verb] of Object.entries(verbs)) {
    bound[name] = async (...args: never[]) => {
      await engine.start();
      return verb(engine, ...args);
    };
  }
  return bound as { [K in keyof T]: Rest<T[K]> };
}

/**
 * `bridge.api`: the engine's in-process face. Every verb returns its result or throws a `BridgeError`.
 * Widget verbs take the caller's tenant and embed key; `origin` is checked only when given (HTTP calls).
 */
export function createApi(engine: Engine, background: Background, mail: MailQueue) {
  // Both lists are written out by name: a function becomes public API only by being listed here.
  const widget = bind(engine, {
    getConfig: embed.getConfig,
    exchangeBridgeToken: embed.exchangeBridgeToken,
    refreshSession: embed.refresh,
    logout: embed.logout,
    getMe: embed.getMe,
    listInvoices: embed.listInvoices,
    listSubscriptions: subscriptions.listSubscriptions,
    getUsage: subscriptions.getUsage,
    cancelSubscription: subscriptions.cancelSubscription,
    resumeSubscription: subscriptions.resumeSubscription,
    changePlan: subscriptions.changePlan,
    startCheckout: subscriptions.startCheckout,
    exchangeMagicLink,
    issueResumeNonce,
    resumeSession,
  });
  const adminVerbs = {
    createTenant: admin.createTenant,
    getTenant: admin.getTenant,
    listTenants: admin.listTenants,
    createEmbedKey: admin.createEmbedKey,
    listEmbedKeys: admin.listEmbedKeys,
    updateEmbedKey: admin.updateEmbedKey,
    revokeEmbedKey: admin.revokeEmbedKey,
    createSigningKey: admin.createSigningKey,
    listSigningKeys: admin.listSigningKeys,
    promoteSigningKey: admin.promoteSigningKey,
    revokeSigningKey: admin.revokeSigningKey,
    putOffering: admin.putOffering,
    listOfferings: admin.listOfferings,
    putCustomer: admin.putCustomer,
    listCustomers: admin.listCustomers,
    putInvoice: admin.putInvoice,
    listCustomerInvoices: admin.listCustomerInvoices,
    putSubscription: adminSubscriptions.putSubscription,
    listCustomerSubscriptions: adminSubscriptions.listCustomerSubscriptions,
    putUsage: adminSubscriptions.putUsage,
    listAudit: admin.listAudit,
  };
  return {
    ...widget,
    requestMagicLink: async (call: Parameters<typeof requestMagicLink>[3]) => {
      await engine.start();
      return requestMagicLink(engine, background, mail, call);
    },
    /**
     * Verifies a session JWT for the tenant's own routes: it must belong to `tenant` (and to `embedKey` when
     * given), and its embed key must still be ACTIVE. Throws `session_invalid` / `session_expired` otherwise.
     *
     * @example
     * const { customer } = await bridge.api.verifySession(jwt, { tenant: 'acme' });
     */
    verifySession: async (sessionJwt: string, scope: { tenant: string; embedKey?: string }): Promise<ActiveSession> => {
      if (typeof scope?.tenant !== 'string' || !SLUG.test(scope.tenant)) {
        throw new TypeError('verifySession(jwt, { tenant }) needs the slug of the tenant whose route this is');
      }
      await engine.start();
      if (typeof sessionJwt !== 'string' || sessionJwt.length === 0 || sessionJwt.length > 8192 || !isCleanString(sessionJwt)) {
        throw new BridgeError('session_invalid', 'a session token is required');
      }
      return verifyTenantSession(engine, sessionJwt, scope);
    },
    /** The engine's public session-signing keys, as served at `/.well-known/jwks.json`. */
    jwks: async () => (await engine.tokens()).jwks(),
    /** True when storage answers and the engine key is loaded. */
    ready: async (): Promise<boolean> => {
      try {
        await engine.tokens();
        await engine.storage.ping();
        return true;
      } catch {
        return false;
      }
    },
    admin: bind(engine, adminVerbs),
    /** Subscribes to an audit event type (`session.created`, …); returns the unsubscribe function. */
    on: (type: string, listener: Parameters<Engine['audit']['on']>[1]) => engine.audit.on(type, listener),
  };
}

export type BridgeApi = ReturnType<typeof createApi>;
export type { Caller };
