/**
 * Resumable magic-link sessions (SPEC section 9). The browser keeps one non-extractable key per session and no
 * bearer credential; after a reload it signs a one-time nonce with that key, and the engine answers the session
 * again. The design follows DPoP (RFC 9449): the public key rides in the proof's header, the session row holds its
 * RFC 7638 thumbprint, and the nonce, spent in one conditional write, makes every proof single-use.
 */
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, importJWK, jwtVerify, type JWTPayload } from 'jose';
import { sha256Hex } from './crypto.js';
import { limitByIp, resolveEmbed, type EmbedCall } from './embed-api.js';
import type { Engine } from './engine.js';
import { BridgeError } from './errors.js';
import type { ResumeKey, ResumeNonceAnswer } from './schemas.js';
import { signSession, type SessionAnswer } from './sessions.js';
import { isCleanString } from './validate.js';

/** The `typ` header of a resume proof. */
export const RESUME_PROOF_TYPE = 'aforo-resume+jwt';
/** The path a proof is made for; its `htu` is the issuer followed by it. */
export const RESUME_PATH = '/v1/embed/auth/resume';
const NONCE_TTL_SECONDS = 60;
const NONCE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The thumbprint of the resume key sent with a magic-link exchange, or null when there is none or resumption is
 * off. A JWK that is not a real public point of its curve is 400 `invalid_request`, before the link is spent.
 */
export async function resumeKeyThumbprint(engine: Engine, key: ResumeKey | undefined): Promise<string | null> {
  if (key === undefined || !engine.config.magicLink.resume) return null;
  const jwk = key.kty === 'EC' ? { kty: key.kty, crv: key.crv, x: key.x, y: key.y } : { kty: key.kty, crv: key.crv, x: key.x };
  try {
    await importJWK(jwk, key.kty === 'EC' ? 'ES256' : 'EdDSA');
  } catch {
    throw new BridgeError('invalid_request', 'resumeKey is not a public P-256 or Ed25519 key');
  }
  return calculateJwkThumbprint(jwk, 'sha256');
}

/** `POST auth/resume/nonce`: a fresh one-time nonce for this tenant and embed key, valid 60 seconds. */
export async function issueResumeNonce(engine: Engine, call: EmbedCall): Promise<ResumeNonceAnswer> {
  await limitByIp(engine, call);
  const scope = await resolveEmbed(engine, call);
  if (!engine.config.magicLink.resume) throw new BridgeError('session_invalid', 'sessions do not resume here');
  const now = engine.now();
  const nonce = randomBytes(32).toString('base64url');
  await engine.storage.createResumeNonce({
    nonceHash: sha256Hex(nonce),
    tenant: scope.slug,
    embedKeyId: scope.key.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + NONCE_TTL_SECONDS * 1000),
  });
  return { nonce, expiresIn: NONCE_TTL_SECONDS };
}

interface Proof {
  jkt: string;
  nonce: string;
}

/** Verifies the proof's signature with the key in its header and its claims; null for anything wrong with it. */
async function readProof(engine: Engine, proof: string, now: Date): Promise<Proof | null> {
  let payload: JWTPayload;
  let jwk: unknown;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: RESUME_PROOF_TYPE,
      algorithms: ['ES256', 'EdDSA'],
      currentDate: now,
      // Freshness comes from the engine's own one-time 60-second nonce, not from `iat`: a browser whose clock is
      // hours off must still resume (RFC 9449 section 11.1 allows a server nonce in place of an iat window).
      requiredClaims: ['nonce', 'htm', 'htu', 'iat', 'jti'],
    });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk;
  } catch {
    return null;
  }
  const { nonce, htm, htu, jti } = payload as Record<string, unknown>;
  const key = jwk as Record<string, unknown>;
  // EdDSA in jose also admits Ed448; the SDK's keys are P-256 or Ed25519 and nothing else is bound.
  if (!(key.kty === 'EC' && key.crv === 'P-256') && !(key.kty === 'OKP' && key.crv === 'Ed25519')) return null;
  if (typeof nonce !== 'string' || !NONCE_SHAPE.test(nonce) || htm !== 'POST' || htu !== engine.config.issuer + RESUME_PATH) return null;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128 || !isCleanString(jti)) return null;
  const members = key.kty === 'EC' ? { kty: key.kty, crv: key.crv, x: key.x, y: key.y } : { kty: key.kty, crv: key.crv, x: key.x };
  return { jkt: await calculateJwkThumbprint(members as Parameters<typeof calculateJwkThumbprint>[0], 'sha256'), nonce };
}

/**
 * `POST auth/resume`: the session bound to the proof's key, answered again with the same `sid`, when the nonce is
 * this tenant's and embed key's, unexpired and unused, and the session is alive (not revoked, within its absolute
 * lifetime, seen within `magicLink.resumeIdle`). Every refusal is 401 `session_invalid` or `session_expired`.
 */
export async function resumeSession(engine: Engine, call: EmbedCall & { proof: unknown }): Promise<SessionAnswer> {
  await limitByIp(engine, call);
  const scope = await resolveEmbed(engine, call);
  const tenant = scope.slug;
  const now = engine.now();
  const refuse = async (code: 'session_invalid' | 'session_expired', reason: string): Promise<never> => {
    await engine.audit.record('session.resume_refused', tenant, now, call, { embedKey: scope.key.id, code, reason });
    throw new BridgeError(code, code === 'session_expired' ? 'the session has expired' : 'the session cannot be resumed');
  };
  if (!engine.config.magicLink.resume) return refuse('session_invalid', 'disabled');
  if (typeof call.proof !== 'string' || call.proof.length === 0 || call.proof.length > 4096) return refuse('session_invalid', 'malformed');
  const proof = await readProof(engine, call.proof, now);
  if (!proof) return refuse('session_invalid', 'bad_proof');
  // The storage's conditional delete decides: of concurrent proofs over one nonce exactly one goes on.
  const fresh = await engine.storage.consumeResumeNonce({ nonceHash: sha256Hex(proof.nonce), tenant, embedKeyId: scope.key.id, now });
  if (!fresh) return refuse('session_invalid', 'nonce_unknown_used_or_expired');
  const found = await engine.storage.getSessionByKey(tenant, proof.jkt);
  if (!found || found.session.embedKeyId !== scope.key.id || found.session.method !== 'magic_link') return refuse('session_invalid', 'unknown_key');
  const { session, customer } = found;
  if (session.revokedAt) return refuse('session_invalid', 'revoked');
  if (session.expiresAt.getTime() <= now.getTime()) return refuse('session_expired', 'absolute');
  // "Last seen" is the last exchange, refresh or resume: an open tab refreshes at least hourly, so a session unseen
  // this long belongs to a browser nobody has used since.
  if (now.getTime() - session.refreshedAt.getTime() > engine.config.magicLink.resumeIdle * 1000) return refuse('session_expired', 'idle');
  // The liveness test is repeated in the write, so a revoke that lands after the read above still wins.
  const touched = await engine.storage.touchSession(session.sid, now);
  if (!touched) return refuse('session_invalid', 'revoked');
  if (touched.expiresAt.getTime() - now.getTime() < 1000) return refuse('session_expired', 'absolute');
  await engine.audit.record('session.resumed', tenant, now, call, { sid: session.sid, customerId: customer.id, embedKey: scope.key.id });
  return signSession(engine, touched, customer, now, proof.jkt);
}
