import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

// Ids are drawn from a pool of CSPRNG bytes filled 4 KiB at a time (as node's randomUUID does): one native call
// per 256 ids instead of one per id on the exchange path. Every id takes bytes no other id ever sees.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** A random identifier: `prefix` followed by `bytes` random bytes in base64url (16 bytes = 128 bits). */
export function randomId(prefix: string, bytes = 16): string {
  if (bytes > pool.length) return prefix + randomBytes(bytes).toString('base64url');
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return prefix + id;
}

/**
 * A random identifier that sorts by creation time: `prefix`, the millisecond clock in 9 base-36 digits (sortable
 * until the year 5188), then `bytes` random bytes. Rows keyed by it are appended to the end of their index instead of
 * a random page, so the many rows one commit writes share pages (sessions and audit events, written per exchange).
 * It reveals when the row was made, which the session JWT's `iat` and the audit row's `at` show anyway.
 */
export function sortableId(prefix: string, at: Date, bytes = 12): string {
  return randomId(prefix + at.getTime().toString(36).padStart(9, '0'), bytes);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Compares a secret with untrusted input in constant time. Both sides are hashed first so neither the
 * length nor the content of the secret leaks through timing.
 */
export function safeEqual(secret: string, input: string): boolean {
  const a = createHash('sha256').update(secret, 'utf8').digest();
  const b = createHash('sha256').update(input, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Seals secrets at rest. With a 256-bit master key the value is AES-256-GCM encrypted with a fresh 96-bit
 * nonce (`enc:v1:<nonce>.<ciphertext>.<tag>`); without one it is stored marked as plain (`plain:<value>`),
 * so a later `open` knows which it got and a key-less engine refuses encrypted values loudly.
 */
export interface Sealer {
  seal(value: string): string;
  open(sealed: string): string;
}

export function createSealer(masterKey: Buffer | null): Sealer {
  return {
    seal(value) {
      if (!masterKey) return `plain:${value}`;
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, nonce);
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `enc:v1:${nonce.toString('base64url')}.${body.toString('base64url')}.${tag.toString('base64url')}`;
    },
    open(sealed) {
      if (sealed.startsWith('plain:')) return sealed.slice('plain:'.length);
      if (!sealed.startsWith('enc:v1:')) throw new Error('unrecognised sealed value');
      if (!masterKey) throw new Error('a sealed secret is encrypted but no masterKey is configured');
      const [nonce, body, tag] = sealed.slice('enc:v1:'.length).split('.');
      const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
