/** A browser's resume key and proofs signed with it, made in Node with jose as the SDK makes them with WebCrypto. */
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface ResumeKeyPair {
  privateKey: CryptoKey;
  /** The members RFC 7638 hashes, as the SDK sends them. */
  publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  jkt: string;
}

export async function makeResumeKey(): Promise<ResumeKeyPair> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = (await exportJWK(pair.publicKey)) as Required<Pick<JWK, 'kty' | 'crv' | 'x' | 'y'>>;
  const publicJwk = { kty, crv, x, y } as ResumeKeyPair['publicJwk'];
  return { privateKey: pair.privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

/** A resume proof: `claims` override the valid ones; `headerJwk` puts another public key in the header. */
export function resumeProof(
  key: ResumeKeyPair,
  input: { nonce: string; htu: string; iat: number; claims?: Record<string, unknown>; typ?: string; headerJwk?: unknown },
): Promise<string> {
  const payload: Record<string, unknown> = { nonce: input.nonce, htm: 'POST', htu: input.htu, iat: input.iat, jti: randomBytes(12).toString('base64url'), ...input.claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: input.typ ?? 'aforo-resume+jwt', jwk: (input.headerJwk ?? key.publicJwk) as JWK })
    .sign(key.privateKey);
}
