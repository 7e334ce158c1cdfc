import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { BridgeError } from './errors.js';
import type { KeyMaterialCache } from './signing-keys.js';
import type { Storage } from './storage.js';
import type { SigningKey } from './types.js';
import { canonicalEmail, jsonProblem } from './validate.js';

/** Tokens above this many bytes are refused before any parsing (SPEC section 3). */
export const MAX_BRIDGE_TOKEN_BYTES = 8 * 1024;
const BRIDGE_AUDIENCE = 'aforo-bridge';
// As deep as a request body may nest.
const MAX_TOKEN_DEPTH = 16;

export interface VerifiedBridgeToken {
  key: SigningKey;
  externalId: string;
  email?: string;
  name?: string;
  jti: string;
  exp: number;
}

function invalidToken(message = 'the bridge token is not valid'): BridgeError {
  return new BridgeError('bridge_token_invalid', message);
}

/**
 * Verifies a tenant's bridge token: size, header, key lookup and status, signature with the algorithm pinned to
 * the key's own alg (never the token's), then every claim rule of SPEC section 3. The jti is not reserved here.
 */
export async function verifyBridgeToken(
  input: { tenant: string; token: unknown; now: Date; leeway: number; maxLifetime: number },
  keys: Pick<Storage, 'getSigningKey'>,
  material: KeyMaterialCache,
): Promise<VerifiedBridgeToken> {
  const { token, now, leeway } = input;
  if (typeof token !== 'string' || token.length === 0) throw invalidToken('bridgeToken must be a non-empty string');
  if (Buffer.byteLength(token, 'utf8') > MAX_BRIDGE_TOKEN_BYTES) throw invalidToken('the bridge token is larger than 8 KiB');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw invalidToken();
  }
  // Every header and claim is held to the edge's text rules (SPEC section 5), not only those the engine uses, so the
  // checks below need only types and lengths; a kid reaches storage before any signature check.
  if (jsonProblem(header, MAX_TOKEN_DEPTH)) throw invalidToken('the bridge token header holds malformed text or a key that is not allowed');
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) {
    throw invalidToken('the bridge token header needs a kid');
  }
  if (typeof header.alg !== 'string') throw invalidToken();
  const key = await keys.getSigningKey(input.tenant, header.kid);
  if (!key) throw new BridgeError('signing_key_unknown', 'no signing key of this tenant has that kid');
  if (key.status === 'REVOKED') throw new BridgeError('signing_key_revoked', 'the signing key was revoked');
  // The algorithm comes from the stored key: `none`, HS/RS confusion and alg swaps all fail here.
  if (header.alg !== key.alg) throw invalidToken('the token alg does not match the signing key');

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await material.get(key), {
      algorithms: [key.alg],
      currentDate: now,
      clockTolerance: leeway,
      requiredClaims: ['iat', 'exp', 'jti'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new BridgeError('bridge_token_expired', 'the bridge token has expired');
    throw invalidToken();
  }

  if (jsonProblem(payload, MAX_TOKEN_DEPTH)) throw invalidToken('a bridge token claim holds malformed text or a key that is not allowed');
  const { iat, exp, jti, aud } = payload;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) throw invalidToken();
  if (exp - iat > input.maxLifetime || exp <= iat) throw invalidToken(`the bridge token lifetime must be at most ${input.maxLifetime} s`);
  if (iat > nowSeconds + leeway) throw invalidToken('the bridge token was issued in the future');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) throw invalidToken('jti must be a string of 1-128 characters');
  if (aud !== undefined && aud !== BRIDGE_AUDIENCE && !(Array.isArray(aud) && aud.length === 1 && aud[0] === BRIDGE_AUDIENCE)) {
    throw invalidToken('aud must be aforo-bridge');
  }
  // `sub` stands in only when the claim is absent: a present claim of the wrong type (null too) is refused.
  const externalId = payload.external_customer_id !== undefined ? payload.external_customer_id : payload.sub;
  if (typeof externalId !== 'string' || externalId.length === 0 || externalId.length > 255) {
    throw invalidToken('external_customer_id must be a string of 1-255 characters');
  }
  const { name } = payload;
  const email = payload.email === undefined ? undefined : canonicalEmail(payload.email);
  if (email === null) throw invalidToken('email is malformed');
  if (name !== undefined && (typeof name !== 'string' || name.length > 255)) throw invalidToken('name must be a string of at most 255 characters');
  return {
    key,
    externalId,
    jti,
    exp,
    ...(email !== undefined ? { email } : {}),
    ...(name !== undefined ? { name: name as string } : {}),
  };
}
