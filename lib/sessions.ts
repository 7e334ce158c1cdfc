import type { Caller } from './audit.js';
import { sortableId } from './crypto.js';
import type { Engine } from './engine.js';
import { BridgeError } from './errors.js';
import type { SessionClaims } from './session-tokens.js';
import type { PublicCustomer, SessionAnswer } from './schemas.js';
import type { Customer, EmbedKey, Session, SessionMethod } from './types.js';

export type { PublicCustomer, SessionAnswer };

export function publicCustomer(customer: Customer): PublicCustomer {
  return { id: customer.id, externalId: customer.externalId, email: customer.email, name: customer.name };
}

/**
 * The session answer for a session row: a fresh JWT (with `cnf.jkt` when `jkt`, the session's resume-key
 * thumbprint, is given) and the public customer.
 */
export async function signSession(engine: Engine, session: Session, customer: Customer, now: Date, jkt: string | null): Promise<SessionAnswer> {
  const iat = Math.floor(now.getTime() / 1000);
  // exp never passes the session's absolute expiry (SPEC section 4).
  const exp = Math.min(iat + engine.config.sessionTtl, Math.floor(session.expiresAt.getTime() / 1000));
  const tokens = await engine.tokens();
  const sessionJwt = await tokens.sign({
    sub: customer.id,
    tid: session.tenant,
    ext: customer.externalId,
    sid: session.sid,
    ek: session.embedKeyId,
    amr: [session.method],
    iat,
    exp,
    ...(jkt ? { cnf: { jkt } } : {}),
  });
  return { sessionJwt, expiresAt: new Date(exp * 1000).toISOString(), expiresIn: exp - iat, customer: publicCustomer(customer) };
}

interface NewSession {
  tenant: string;
  embedKey: string;
  customer: Customer;
  method: SessionMethod;
  signingKid: string | null;
  /** The thumbprint of the browser's resume key, for a magic-link session that may resume (SPEC section 9). */
  resumeKey?: string | null;
}

function newSession(engine: Engine, input: NewSession, now: Date): Session {
  return {
    sid: sortableId('sid_', now),
    tenant: input.tenant,
    customerId: input.customer.id,
    embedKeyId: input.embedKey,
    method: input.method,
    signingKid: input.signingKid,
    createdAt: now,
    refreshedAt: now,
    expiresAt: new Date(now.getTime() + engine.config.sessionMaxAge * 1000),
    revokedAt: null,
  };
}

const createdEvent = (session: Session): Record<string, unknown> => ({
  sid: session.sid, mode: session.method, customerId: session.customerId, embedKey: session.embedKeyId, kid: session.signingKid,
});

export async function createSession(engine: Engine, input: NewSession, caller: Caller): Promise<SessionAnswer> {
  const now = engine.now();
  const session = newSession(engine, input, now);
  if (!input.resumeKey) {
    return signedBesideWrite(signSession(engine, session, input.customer, now, null), async () => {
      await engine.storage.createSession(session);
      await engine.audit.record('session.created', input.tenant, now, caller, createdEvent(session));
      await keepOnlyIfKeyStands(engine, session, caller, now);
      return true;
    }) as Promise<SessionAnswer>;
  }
  await engine.storage.createSession(session);
  // A key already bound to another session is not bound again (the storage refuses it); this session then simply
  // cannot resume, and its JWT carries no cnf, so the SDK keeps no key for it.
  const bound = await engine.storage.bindSessionKey(session.sid, input.resumeKey);
  await engine.audit.record('session.created', input.tenant, now, caller, { ...createdEvent(session), resumable: bound });
  return signSession(engine, session, input.customer, now, bound ? input.resumeKey : null);
}

/**
 * A bridge exchange for a customer whose record the token does not change: the jti, the session and its audit row
 * in one storage step (`startSession`), which also checks the signing key against a racing revoke, so nothing is
 * read again after it. Null when the jti was already used.
 */
export async function startSessionWithJti(
  engine: Engine,
  input: NewSession & { jti: { jti: string; expiresAt: Date } },
  caller: Caller,
): Promise<SessionAnswer | null> {
  const { storage } = engine;
  if (!storage.startSession) throw new BridgeError('internal', 'the storage has no startSession step');
  const now = engine.now();
  const session = newSession(engine, input, now);
  const audit = engine.audit.event('session.created', input.tenant, now, caller, createdEvent(session));
  const jti = { tenant: input.tenant, kid: input.signingKid ?? '', jti: input.jti.jti, expiresAt: input.jti.expiresAt, now };
  const answer = await signedBesideWrite(signSession(engine, session, input.customer, now, null), async () => {
    const stored = await storage.startSession!({ jti, session, audit });
    if (stored === 'key_revoked') throw new BridgeError('signing_key_revoked', 'the signing key was revoked');
    return stored;
  });
  if (answer) engine.audit.announce(audit);
  return answer;
}

/**
 * A revoke with `endSessions` commits the key's REVOKED status first and ends the key's sessions after it, while an
 * exchange that verified its token before the revoke may store its session after that second step, and the session
 * would outlive the revoke. `startSession` checks the key inside its write; after the separate writes of
 * `createSession` (a first-sight customer, a changed profile) the key is read again, from the storage: a key that
 * is not REVOKED yet means any revoke commits later and its second step, later still, ends this session too; a
 * REVOKED (or missing) key means this session may have been missed, and it is ended here and the exchange refused.
 */
async function keepOnlyIfKeyStands(engine: Engine, session: Session, caller: Caller, now: Date): Promise<void> {
  if (session.signingKid === null) return;
  const key = await engine.reads.freshSigningKey(session.tenant, session.signingKid);
  if (key && key.status !== 'REVOKED') return;
  await engine.storage.revokeSession(session.sid, now);
  engine.reads.forget(`session:${session.sid}`);
  await engine.audit.record('session.revoked', session.tenant, now, caller, { sid: session.sid, reason: 'key_revoked' });
  throw new BridgeError('signing_key_revoked', 'the signing key was revoked');
}

/**
 * The session JWT is signed while the storage writes (a round trip away on Postgres, B-tree work on SQLite) and
 * handed out only once `write` answered true: a replay (false) or a failed write throws the signature away.
 */
async function signedBesideWrite(signing: Promise<SessionAnswer>, write: () => Promise<boolean>): Promise<SessionAnswer | null> {
  let stored: boolean;
  try {
    stored = await write();
  } catch (error) {
    signing.catch(() => undefined);
    throw error;
  }
  if (!stored) {
    signing.catch(() => undefined);
    return null;
  }
  return signing;
}

/** A verified session: its claims, its row, and the customer it belongs to. */
export interface ActiveSession {
  claims: SessionClaims;
  session: Session;
  customer: Customer;
}

/**
 * Verifies a session JWT for a request made under (tenant, embed key): signature and expiry statelessly, then
 * the row, so a logout or key revocation takes effect at once. The customer always comes from the JWT.
 */
export async function verifySession(
  engine: Engine,
  jwt: string,
  scope: { slug: string; key: EmbedKey },
): Promise<ActiveSession> {
  const now = engine.now();
  const claims = await (await engine.tokens()).verify(jwt, now);
  if (claims.tid !== scope.slug || claims.ek !== scope.key.id) {
    throw new BridgeError('session_invalid', 'the session belongs to another tenant or embed key');
  }
  return checkSessionRow(engine, claims, now);
}

/**
 * Verifies a session JWT on the tenant's own routes (`requireSession`, `api.verifySession`): the session must
 * belong to `tenant` (and to `embedKey` when given), and the embed key it was made with must still be ACTIVE, so
 * neither another tenant's session nor one whose key was revoked passes.
 */
export async function verifyTenantSession(
  engine: Engine,
  jwt: string,
  want: { tenant: string; embedKey?: string },
): Promise<ActiveSession> {
  const now = engine.now();
  const claims = await (await engine.tokens()).verify(jwt, now);
  if (claims.tid !== want.tenant || (want.embedKey !== undefined && claims.ek !== want.embedKey)) {
    throw new BridgeError('session_invalid', 'the session belongs to another tenant or embed key');
  }
  const key = await engine.reads.getEmbedKey(claims.ek);
  if (!key || key.tenant !== want.tenant || key.status !== 'ACTIVE') {
    throw new BridgeError('session_invalid', 'the embed key of this session is no longer active');
  }
  return checkSessionRow(engine, claims, now);
}

async function checkSessionRow(engine: Engine, claims: SessionClaims, now: Date): Promise<ActiveSession> {
  // One read for the row and its customer: a logout or revocation is seen on the very next call.
  const found = await engine.reads.getSessionWithCustomer(claims.sid);
  const session = found?.session;
  if (!found || !session || session.revokedAt || session.customerId !== claims.sub || session.tenant !== claims.tid) {
    throw new BridgeError('session_invalid', 'the session is not valid');
  }
  if (session.expiresAt.getTime() <= now.getTime()) throw new BridgeError('session_expired', 'the session has expired');
  return { claims, session, customer: found.customer };
}

export async function refreshSession(engine: Engine, active: ActiveSession, caller: Caller): Promise<SessionAnswer> {
  const now = engine.now();
  const session = await engine.storage.touchSession(active.session.sid, now);
  if (!session) {
    const current = await engine.storage.getSession(active.session.sid);
    if (current && !current.revokedAt && current.expiresAt.getTime() <= now.getTime()) {
      throw new BridgeError('session_expired', 'the session has reached its absolute lifetime');
    }
    throw new BridgeError('session_invalid', 'the session is not valid');
  }
  if (session.expiresAt.getTime() - now.getTime() < 1000) {
    throw new BridgeError('session_expired', 'the session has reached its absolute lifetime');
  }
  await engine.audit.record('session.refreshed', session.tenant, now, caller, { sid: session.sid });
  // The cnf claim was signed by the engine itself, so a refresh carries it over as it is.
  const jkt = typeof active.claims.cnf?.jkt === 'string' ? active.claims.cnf.jkt : null;
  return signSession(engine, session, active.customer, now, jkt);
}

/**
 * Ends a session. Of racing logouts of one session the storage lets exactly one revoke the row; the others were
 * checked before it committed but are refused as a second logout is, so exactly one caller gets 204.
 */
export async function endSession(engine: Engine, session: Session, reason: string, caller: Caller): Promise<void> {
  const now = engine.now();
  const revoked = await engine.storage.revokeSession(session.sid, now);
  engine.reads.forget(`session:${session.sid}`);
  if (!revoked) throw new BridgeError('session_invalid', 'the session is not valid');
  await engine.audit.record('session.revoked', session.tenant, now, caller, { sid: session.sid, reason });
}
