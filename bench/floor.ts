import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** A floor route's answer, written by each framework in its own way. */
export interface FloorAnswer {
  status: number;
  body: unknown;
}

/** The jose work of the two measured engine routes and nothing else: no storage, no origin or embed-key checks. */
export interface Floor {
  /** Verifies the HS256 bridge token in `{ bridgeToken }` and signs an EdDSA session JWT with the engine's claims. */
  exchange(body: unknown): Promise<FloorAnswer>;
  /** Verifies the EdDSA session JWT of an `Authorization: Bearer` header. */
  me(authorization: string | undefined): Promise<FloorAnswer>;
}

const SESSION_AUDIENCE = 'aforo-embed';
const SESSION_TTL = 3600;

const refused = (code: string): FloorAnswer => ({ status: 401, body: { error: { code, message: code } } });

/**
 * The floor the engine is compared against. Keys are prepared once as CryptoKeys, as the engine caches its own, so
 * each request pays for the same jose calls the engine makes: `jwtVerify` HS256 then `SignJWT` EdDSA, or `jwtVerify`
 * EdDSA. (A secret KeyObject would be imported again by jose on every call, about 16 µs the engine does not spend.)
 */
export async function createFloor(input: { secret: string; issuer: string; tenant: string; embedKey: string }): Promise<Floor> {
  const hmacKey = await crypto.subtle.importKey('raw', new TextEncoder().encode(input.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const { privateKey, publicKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const kid = `esk_floor_${randomBytes(6).toString('base64url')}`;
  // The floor has no customer table; a fixed id keeps the claims the same size as the engine's.
  const customerId = `cus_${randomBytes(16).toString('base64url')}`;

  return {
    async exchange(body) {
      const token = typeof body === 'object' && body !== null ? (body as { bridgeToken?: unknown }).bridgeToken : undefined;
      if (typeof token !== 'string') return { status: 400, body: { error: { code: 'invalid_request', message: 'bridgeToken' } } };
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, hmacKey, {
          algorithms: ['HS256'],
          clockTolerance: 30,
          requiredClaims: ['iat', 'exp', 'jti'],
        }));
      } catch {
        return refused('bridge_token_invalid');
      }
      const externalId = typeof payload.external_customer_id === 'string' ? payload.external_customer_id : '';
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + SESSION_TTL;
      const sessionJwt = await new SignJWT({
        tid: input.tenant,
        ext: externalId,
        sid: `sid_${randomBytes(16).toString('base64url')}`,
        ek: input.embedKey,
        amr: ['bridge'],
      })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setIssuer(input.issuer)
        .setAudience(SESSION_AUDIENCE)
        .setSubject(customerId)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(privateKey);
      return {
        status: 200,
        body: {
          sessionJwt,
          expiresAt: new Date(exp * 1000).toISOString(),
          expiresIn: SESSION_TTL,
          customer: { id: customerId, externalId, email: null, name: null },
        },
      };
    },

    async me(authorization) {
      const jwt = /^Bearer[ ]+([^\s]+)$/i.exec(authorization ?? '')?.[1];
      if (!jwt) return refused('session_invalid');
      try {
        const { payload } = await jwtVerify(jwt, publicKey, {
          algorithms: ['EdDSA'],
          issuer: input.issuer,
          audience: SESSION_AUDIENCE,
          requiredClaims: ['sub', 'sid', 'tid', 'ek', 'exp', 'iat'],
        });
        return { status: 200, body: { customer: { id: payload.sub, externalId: payload.ext, email: null, name: null } } };
      } catch {
        return refused('session_invalid');
      }
    },
  };
}
