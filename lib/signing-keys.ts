import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI } from 'jose';
import type { Sealer } from './crypto.js';
import { randomId } from './crypto.js';
import { BridgeError } from './errors.js';
import type { SigningAlg, SigningKey } from './types.js';
import type { Static } from '@sinclair/typebox';
import type { SigningKeyAnswer } from './admin-schemas.js';

export const SIGNING_ALGS: readonly SigningAlg[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];

/** What minting returns once: the stored record plus the material the tenant must keep. */
export interface MintedKey {
  key: SigningKey;
  secret?: string;
  privateKeyPem?: string;
  publicKeyPem?: string;
}

export async function mintKey(tenant: string, alg: SigningAlg, sealer: Sealer, now: Date): Promise<MintedKey> {
  const base = { kid: randomId('sk_'), tenant, alg, status: 'NEXT' as const, createdAt: now, promotedAt: null, revokedAt: null };
  if (alg === 'HS256') {
    // 256 random bits; the HMAC key is the UTF-8 bytes of this string, as PyJWT, golang-jwt and jose take it.
    const secret = randomBytes(32).toString('base64url');
    return { key: { ...base, sealedSecret: sealer.seal(secret), publicKeyPem: null }, secret };
  }
  const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}), ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicKeyPem = await exportSPKI(pair.publicKey);
  const privateKeyPem = await exportPKCS8(pair.privateKey);
  return { key: { ...base, sealedSecret: null, publicKeyPem }, privateKeyPem, publicKeyPem };
}

// One SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) block and nothing else. createPublicKey alone would also take a
// private key or a certificate and quietly keep its public half: a tenant who pasted its private key would be told
// all is well while the secret has left its hands, so such input is refused, and the tenant told why.
const PUBLIC_PEM = /^-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----$/;

function readPublicPem(pem: string): KeyObject {
  const text = pem.trim();
  if (/PRIVATE KEY/.test(text) || isPrivateKey(text)) {
    throw new BridgeError('invalid_request', 'publicKeyPem holds a private key: register only its public half (BEGIN PUBLIC KEY) and keep the private key secret');
  }
  if (!PUBLIC_PEM.test(text)) throw new BridgeError('invalid_request', 'publicKeyPem must be one PEM public key (BEGIN PUBLIC KEY), not a certificate or other data');
  try {
    return createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw new BridgeError('invalid_request', 'publicKeyPem is not a PEM public key');
  }
}

function isPrivateKey(text: string): boolean {
  try {
    createPrivateKey({ key: text, format: 'pem' });
    return true;
  } catch {
    return false;
  }
}

/** Checks a tenant-generated public key against its declared alg; RSA keys under 2048 bits are refused. */
export function checkPublicKey(alg: SigningAlg, pem: string): string {
  if (alg === 'HS256') throw new BridgeError('invalid_request', 'HS256 keys are minted by the engine; publicKeyPem needs RS256, ES256 or EdDSA');
  const key = readPublicPem(pem);
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (alg === 'RS256') {
    if (type !== 'rsa') throw new BridgeError('invalid_request', 'publicKeyPem is not an RSA key');
    if ((details.modulusLength ?? 0) < 2048) throw new BridgeError('invalid_request', 'RSA keys must be at least 2048 bits');
  } else if (alg === 'ES256') {
    if (type !== 'ec' || details.namedCurve !== 'prime256v1') throw new BridgeError('invalid_request', 'ES256 needs a P-256 public key');
  } else if (type !== 'ed25519') {
    throw new BridgeError('invalid_request', 'EdDSA needs an Ed25519 public key');
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function registeredKey(tenant: string, alg: SigningAlg, publicKeyPem: string, now: Date): SigningKey {
  return {
    kid: randomId('sk_'), tenant, alg, status: 'NEXT', sealedSecret: null, publicKeyPem,
    createdAt: now, promotedAt: null, revokedAt: null,
  };
}

/**
 * Verification keys per signing key, imported once as WebCrypto keys (jose would otherwise convert a KeyObject or
 * raw secret on every verify). Entries are keyed by tenant and kid and never change for a kid: a key's material is
 * immutable; only its status moves, and status is always read fresh from storage.
 */
export class KeyMaterialCache {
  private readonly entries = new Map<string, Promise<CryptoKey>>();
  constructor(private readonly sealer: Sealer, private readonly max = 10_000) {}

  get(key: SigningKey): Promise<CryptoKey> {
    const id = `${key.tenant}\u0000${key.kid}`;
    let material = this.entries.get(id);
    if (!material) {
      material = key.alg === 'HS256'
        ? crypto.subtle.importKey('raw', new TextEncoder().encode(this.sealer.open(key.sealedSecret ?? '')), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
        : importSPKI(key.publicKeyPem ?? '', key.alg);
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(id, material);
      material.catch(() => this.entries.delete(id));
    }
    return material;
  }
}

/** The admin view of a key: never the secret. */
export function publicSigningKey(key: SigningKey): Static<typeof SigningKeyAnswer> {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    ...(key.publicKeyPem ? { publicKeyPem: key.publicKeyPem } : {}),
    createdAt: key.createdAt.toISOString(),
    promotedAt: key.promotedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
