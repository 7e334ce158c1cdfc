import { KeyObject, createPrivateKey, createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

// This module is published alone as `aforo-bridge/mint` and runs in the tenant's backend, so it imports jose and
// node built-ins only, never the engine.

/** The algorithms a tenant's signing key may use. */
export type BridgeTokenAlg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

/** What {@link mintBridgeToken} needs to sign one bridge token. */
export interface MintBridgeTokenInput {
  /** The signing key's `kid` (`sk_…`), as the engine returned it. */
  kid: string;
  /** The signing key's algorithm. */
  alg: BridgeTokenAlg;
  /**
   * HS256: the secret string the engine returned (its UTF-8 bytes are the HMAC key), or a secret KeyObject.
   * RS256, ES256, EdDSA: a PKCS#8 PEM private key, or a private KeyObject / CryptoKey.
   */
  key: string | KeyObject | CryptoKey;
  /** Your own id for the signed-in customer, 1-255 characters. */
  externalCustomerId: string;
  /** Stored on the customer. */
  email?: string;
  /** Stored on the customer, at most 255 characters. */
  name?: string;
  /** Lifetime in seconds, 1-600; default 300 (the recommended 5 minutes). */
  ttlSeconds?: number;
  /** Adds `aud: "aforo-bridge"` (default true). */
  audience?: boolean;
  /** The issue time; default the current time. */
  now?: Date;
}

export const BRIDGE_TOKEN_AUDIENCE = 'aforo-bridge';
export const DEFAULT_BRIDGE_TOKEN_TTL = 300;
/** The engine's default cap on `exp - iat`. */
export const MAX_BRIDGE_TOKEN_TTL = 600;

const ALGS: readonly BridgeTokenAlg[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];
// The engine's own e-mail rule, repeated here so a token minted by this helper is never refused at exchange.
const EMAIL = /^[^\s@\u0000-\u001f\u007f]{1,64}@[^\s@\u0000-\u001f\u007f]+\.[^\s@\u0000-\u001f\u007f]+$/;

function isStringOfLength(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

function signingKey(alg: BridgeTokenAlg, key: unknown): KeyObject | CryptoKey {
  if (alg === 'HS256') {
    if (typeof key === 'string') {
      if (key.length === 0) throw new TypeError('key must be a non-empty secret string for HS256');
      // A PEM here means an asymmetric key was paired with HS256: signing with its text would "work" and fail later.
      if (key.includes('-----BEGIN')) throw new TypeError('key looks like a PEM key; HS256 takes the secret string');
      return createSecretKey(Buffer.from(key, 'utf8'));
    }
    if (key instanceof KeyObject && key.type === 'secret') return key;
    if (isCryptoKey(key) && key.type === 'secret') return key;
    throw new TypeError('key must be the secret string (or a secret KeyObject / CryptoKey) for HS256');
  }
  if (typeof key === 'string') {
    try {
      return createPrivateKey({ key, format: 'pem' });
    } catch {
      throw new TypeError(`key must be a PKCS#8 PEM private key for ${alg}`);
    }
  }
  if ((key instanceof KeyObject || isCryptoKey(key)) && key.type === 'private') return key;
  throw new TypeError(`key must be a PKCS#8 PEM private key (or a private KeyObject / CryptoKey) for ${alg}`);
}

/**
 * Signs a bridge token for the engine's `POST /v1/embed/auth/bridge`: a compact JWS with header
 * `{ alg, kid, typ: "JWT" }` and claims `external_customer_id`, `email?`, `name?`, `iat`, `exp`, a random `jti` and
 * `aud: "aforo-bridge"`. Invalid input rejects with a TypeError or RangeError naming the field.
 *
 * @example
 * import { mintBridgeToken } from 'aforo-bridge/mint';
 *
 * const bridgeToken = await mintBridgeToken({
 *   kid: process.env.AFORO_KID!,
 *   alg: 'HS256',
 *   key: process.env.AFORO_SECRET!,
 *   externalCustomerId: user.id,
 *   email: user.email,
 * });
 * // Render it into the page: <div data-aforo-widget="invoice-list" data-aforo-bridge-token="…">
 */
export async function mintBridgeToken(input: MintBridgeTokenInput): Promise<string> {
  if (typeof input !== 'object' || input === null) throw new TypeError('mintBridgeToken needs an input object');
  const { kid, alg, externalCustomerId, email, name, ttlSeconds = DEFAULT_BRIDGE_TOKEN_TTL, audience = true, now = new Date() } = input;
  if (!isStringOfLength(kid, 1, 128)) throw new TypeError('kid must be 1-128 characters');
  if (!ALGS.includes(alg)) throw new TypeError(`alg must be one of ${ALGS.join(', ')}`);
  if (!isStringOfLength(externalCustomerId, 1, 255)) throw new TypeError('externalCustomerId must be 1-255 characters');
  if (email !== undefined && !(isStringOfLength(email, 1, 254) && EMAIL.test(email))) {
    throw new TypeError('email must be an e-mail address of at most 254 characters');
  }
  if (name !== undefined && !isStringOfLength(name, 0, 255)) throw new TypeError('name must be at most 255 characters');
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_BRIDGE_TOKEN_TTL) {
    throw new RangeError(`ttlSeconds must be an integer between 1 and ${MAX_BRIDGE_TOKEN_TTL}`);
  }
  if (typeof audience !== 'boolean') throw new TypeError('audience must be a boolean');
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('now must be a valid Date');
  const key = signingKey(alg, input.key);

  const iat = Math.floor(now.getTime() / 1000);
  const claims: Record<string, string> = { external_customer_id: externalCustomerId };
  if (email !== undefined) claims.email = email;
  if (name !== undefined) claims.name = name;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    // 128 random bits: the engine remembers each (kid, jti) pair to refuse replays, so collisions must not happen.
    .setJti(randomBytes(16).toString('base64url'));
  if (audience) jwt.setAudience(BRIDGE_TOKEN_AUDIENCE);
  try {
    return await jwt.sign(key);
  } catch (error) {
    // jose refuses a key of the wrong type or size for the alg (an EC key for RS256, RSA under 2048 bits).
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`key cannot sign ${alg}: ${reason}`);
  }
}
