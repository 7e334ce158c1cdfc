/**
 * The one thing a magic-link page keeps across reloads (SPEC section 9): a non-extractable ECDSA P-256 private key
 * in IndexedDB, per tenant and embed key, that lets the session resume. The key cannot be read out, not even by a
 * script on the page; a stolen browser profile can use it only until the session's idle or absolute expiry. No
 * JWT, token or email is ever stored beside it; the public half is kept as plain JWK members (it is public).
 */
import type { ApiTarget } from './http.js';
import type { ResumeKey } from './wire.js';

const DB = 'aforo-resume';
const STORE = 'keys';
const PROOF_TYPE = 'aforo-resume+jwt';

export interface ResumeKeyPair {
  privateKey: CryptoKey;
  publicJwk: ResumeKey;
}

const slot = (target: ApiTarget): string => `${target.tenant}\u0000${target.embedKey}`;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open(): Promise<IDBDatabase> {
  const req = indexedDB.open(DB, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE);
  return request(req);
}

async function withStore<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    const tx = db.transaction(STORE, mode);
    const result = await request(work(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result;
  } finally {
    db.close();
  }
}

/** True when this browser can keep a resume key (WebCrypto and IndexedDB, a secure context). */
export function canResume(): boolean {
  return typeof indexedDB !== 'undefined' && typeof crypto !== 'undefined' && !!crypto.subtle;
}

// Opening a database creates it: a page that never signed in by magic link must not get one just by looking.
async function databaseExists(): Promise<boolean> {
  if (typeof indexedDB.databases !== 'function') return true;
  return (await indexedDB.databases()).some((db) => db.name === DB);
}

/** A fresh key pair whose private half can never be exported. */
export async function createResumeKey(): Promise<ResumeKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { privateKey: pair.privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string } };
}

export async function saveResumeKey(target: ApiTarget, key: ResumeKeyPair): Promise<void> {
  // Structured clone keeps the CryptoKey non-extractable inside IndexedDB.
  await withStore('readwrite', (store) => store.put({ privateKey: key.privateKey, publicJwk: key.publicJwk }, slot(target)));
}

export async function loadResumeKey(target: ApiTarget): Promise<ResumeKeyPair | null> {
  if (!canResume() || !(await databaseExists())) return null;
  const stored = (await withStore('readonly', (store) => store.get(slot(target)))) as ResumeKeyPair | undefined;
  return stored?.privateKey instanceof CryptoKey ? stored : null;
}

export async function dropResumeKey(target: ApiTarget): Promise<void> {
  if (!canResume() || !(await databaseExists())) return;
  await withStore('readwrite', (store) => store.delete(slot(target)));
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const encode = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)));

/**
 * A compact JWS (RFC 7515) over `{ nonce, htm, htu, iat, jti }`, the public key in its header as in DPoP. WebCrypto's
 * ECDSA signature is already the r||s form JWS ES256 uses.
 */
export async function signResumeProof(key: ResumeKeyPair, nonce: string, htu: string): Promise<string> {
  const header = encode({ alg: 'ES256', typ: PROOF_TYPE, jwk: key.publicJwk });
  const jti = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const payload = encode({ nonce, htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti });
  const input = `${header}.${payload}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** True when the session JWT says the engine bound a key (`cnf.jkt`): only then is the key worth keeping. */
export function isBound(sessionJwt: string): boolean {
  try {
    const part = sessionJwt.split('.')[1] ?? '';
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { cnf?: { jkt?: unknown } };
    return typeof claims.cnf?.jkt === 'string';
  } catch {
    return false;
  }
}
