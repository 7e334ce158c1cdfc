import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { errors as joseErrors, exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, jwtVerify, SignJWT, type JWK } from 'jose';
import type { Sealer } from './crypto.js';
import { randomId } from './crypto.js';
import { BridgeError } from './errors.js';
import type { Storage } from './storage.js';
import type { EngineKey, SessionMethod } from './types.js';

export const SESSION_AUDIENCE = 'aforo-embed';

/** Claims of the engine's session JWT (SPEC section 4). */
export interface SessionClaims {
  iss: string;
  aud: string;
  sub: string;
  tid: string;
  ext: string;
  sid: string;
  ek: string;
  amr: SessionMethod[];
  iat: number;
  exp: number;
  /** Magic-link sessions that can resume: the RFC 7638 thumbprint of the browser's resume key (SPEC section 9). */
  cnf?: { jkt: string };
}

/** The claims with their own `amr` and `cnf`: what the cache keeps and what it hands out share nothing. */
function copyClaims(claims: SessionClaims): SessionClaims {
  return {
    ...claims,
    amr: Array.isArray(claims.amr) ? [...claims.amr] : claims.amr,
    ...(claims.cnf && typeof claims.cnf === 'object' ? { cnf: { ...claims.cnf } } : {}),
  };
}

/** Verified session JWTs this process keeps (a few hundred bytes each). */
export const VERIFIED_MAX = 10_000;

/**
 * The engine's own signing key: loaded from storage, or generated on first start and stored for every process.
 *
 * A widget page sends the same session JWT on every call for up to an hour, so the claims of a JWT whose signature
 * verified are kept, by the SHA-256 of the whole token, and a later call with the same token checks only its expiry
 * (as Envoy's `jwt_authn` cache does). Only tokens that verified are kept: a forged or altered token never matches
 * and costs the full check. The session row is still read on every call (`checkSessionRow`), so a logout or a
 * revocation holds at once. The cache belongs to this key: a new engine key starts with none.
 */
export class SessionTokens {
  private readonly verified = new LRUCache<string, SessionClaims>({ max: VERIFIED_MAX });

  private constructor(
    private readonly kid: string,
    private readonly alg: EngineKey['alg'],
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly publicJwk: Record<string, unknown>,
    private readonly issuer: string,
  ) {}

  static async load(storage: Storage, sealer: Sealer, issuer: string, now: Date): Promise<SessionTokens> {
    let stored = await storage.getEngineKey();
    if (!stored) {
      const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const kid = randomId('esk_', 12);
      const jwk = await exportJWK(pair.publicKey);
      // Processes starting together race here; saveEngineKeyIfAbsent makes them all adopt the first key.
      stored = await storage.saveEngineKeyIfAbsent({
        kid,
        alg: 'EdDSA',
        sealedPrivateKey: sealer.seal(await exportPKCS8(pair.privateKey)),
        publicJwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' },
        createdAt: now,
      });
    }
    // WebCrypto keys, imported once: jose would convert a KeyObject again on every sign and verify.
    const privateKey = await importPKCS8(sealer.open(stored.sealedPrivateKey), stored.alg);
    const publicKey = (await importJWK(stored.publicJwk as JWK, stored.alg)) as CryptoKey;
    return new SessionTokens(stored.kid, stored.alg, privateKey, publicKey, stored.publicJwk, issuer);
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [this.publicJwk] };
  }

  async sign(claims: Omit<SessionClaims, 'iss' | 'aud'>): Promise<string> {
    const confirmation = claims.cnf ? { cnf: { jkt: claims.cnf.jkt } } : {};
    return new SignJWT({ tid: claims.tid, ext: claims.ext, sid: claims.sid, ek: claims.ek, amr: claims.amr, ...confirmation })
      .setProtectedHeader({ alg: this.alg, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(SESSION_AUDIENCE)
      .setSubject(claims.sub)
      .setIssuedAt(claims.iat)
      .setExpirationTime(claims.exp)
      .sign(this.privateKey);
  }

  /** Verifies signature, issuer, audience and expiry; `session_expired` for an expired JWT, else `session_invalid`. */
  async verify(jwt: string, now: Date): Promise<SessionClaims> {
    if (jwt.length > 4096) throw new BridgeError('session_invalid', 'the session token is not valid');
    const digest = createHash('sha256').update(jwt).digest('base64url');
    const known = this.verified.get(digest);
    if (known) {
      // jose's rule: expired once `exp` is not after now (no clock tolerance for the engine's own tokens).
      if (known.exp <= Math.floor(now.getTime() / 1000)) {
        this.verified.delete(digest);
        throw new BridgeError('session_expired', 'the session has expired');
      }
      // A copy: the caller (a tenant's route, through requireSession) may change what it is given.
      return copyClaims(known);
    }
    const claims = await this.verifyWithJose(jwt, now);
    this.verified.set(digest, Object.freeze(copyClaims(claims)));
    return claims;
  }

  private async verifyWithJose(jwt: string, now: Date): Promise<SessionClaims> {
    try {
      const { payload } = await jwtVerify(jwt, this.publicKey, {
        algorithms: [this.alg],
        issuer: this.issuer,
        audience: SESSION_AUDIENCE,
        currentDate: now,
        requiredClaims: ['sub', 'sid', 'tid', 'ek', 'exp', 'iat'],
      });
      const claims = payload as unknown as SessionClaims;
      if (typeof claims.sid !== 'string' || typeof claims.tid !== 'string' || typeof claims.ek !== 'string') {
        throw new BridgeError('session_invalid', 'the session token is not valid');
      }
      return claims;
    } catch (error) {
      if (error instanceof BridgeError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new BridgeError('session_expired', 'the session has expired');
      throw new BridgeError('session_invalid', 'the session token is not valid');
    }
  }
}
