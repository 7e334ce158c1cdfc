import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { mintBridgeToken } from '../lib/mint.js';
import type { BridgeTokenAlg } from '../lib/mint.js';

const NOW = new Date('2030-01-02T03:04:05.678Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
// A non-ASCII secret proves the HMAC key is the string's UTF-8 bytes, as PyJWT and golang-jwt take it.
const SECRET = `sëcret-ünïcode-${randomBytes(32).toString('base64url')}`;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

const asymmetric: Array<{ alg: BridgeTokenAlg; privateKey: KeyObject; publicKey: KeyObject }> = [
  { alg: 'RS256', ...rsa },
  { alg: 'ES256', ...ec },
  { alg: 'EdDSA', ...ed },
];

function pkcs8(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function verifyAt(token: string, key: KeyObject | Uint8Array, alg: BridgeTokenAlg) {
  return jwtVerify(token, key, { algorithms: [alg], currentDate: NOW, audience: 'aforo-bridge' });
}

test('mintBridgeToken: HS256 verifies with the UTF-8 bytes of the secret, with every header field and claim', async () => {
  const token = await mintBridgeToken({
    kid: 'sk_hs', alg: 'HS256', key: SECRET, externalCustomerId: 'user-42', email: 'zoe@example.com', name: 'Zoë Ünïcode', now: NOW,
  });
  const { payload, protectedHeader } = await verifyAt(token, new TextEncoder().encode(SECRET), 'HS256');
  assert.deepEqual(protectedHeader, { alg: 'HS256', kid: 'sk_hs', typ: 'JWT' });
  assert.equal(payload.external_customer_id, 'user-42');
  assert.equal(payload.email, 'zoe@example.com');
  assert.equal(payload.name, 'Zoë Ünïcode');
  assert.equal(payload.iat, NOW_SECONDS);
  assert.equal(payload.exp, NOW_SECONDS + 300);
  assert.equal(payload.aud, 'aforo-bridge');
  assert.match(String(payload.jti), /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(Object.keys(payload).sort(), ['aud', 'email', 'exp', 'external_customer_id', 'iat', 'jti', 'name']);
});

test('mintBridgeToken: an HS256 token does not verify with another secret', async () => {
  const token = await mintBridgeToken({ kid: 'sk_hs', alg: 'HS256', key: SECRET, externalCustomerId: 'u', now: NOW });
  await assert.rejects(verifyAt(token, new TextEncoder().encode(`${SECRET}x`), 'HS256'), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
});

for (const { alg, privateKey, publicKey } of asymmetric) {
  test(`mintBridgeToken: ${alg} from a PKCS#8 PEM string verifies with the public key`, async () => {
    const token = await mintBridgeToken({ kid: `sk_${alg}`, alg, key: pkcs8(privateKey), externalCustomerId: 'user-7', now: NOW });
    const { payload, protectedHeader } = await verifyAt(token, publicKey, alg);
    assert.deepEqual(protectedHeader, { alg, kid: `sk_${alg}`, typ: 'JWT' });
    assert.equal(payload.external_customer_id, 'user-7');
    assert.equal(payload.exp, NOW_SECONDS + 300);
    assert.equal('email' in payload, false);
    assert.equal('name' in payload, false);
  });

  test(`mintBridgeToken: ${alg} from a private KeyObject verifies with the public key`, async () => {
    const token = await mintBridgeToken({ kid: 'sk_obj', alg, key: privateKey, externalCustomerId: 'user-8', now: NOW });
    const { payload } = await verifyAt(token, publicKey, alg);
    assert.equal(payload.external_customer_id, 'user-8');
  });
}

test('mintBridgeToken: an RS256 token does not verify with another public key', async () => {
  const token = await mintBridgeToken({ kid: 'sk_rs', alg: 'RS256', key: pkcs8(rsa.privateKey), externalCustomerId: 'u', now: NOW });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await assert.rejects(verifyAt(token, other.publicKey, 'RS256'), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
});

test('mintBridgeToken: ttlSeconds sets exp and accepts exactly 1 and 600', async () => {
  for (const ttlSeconds of [1, 600]) {
    const token = await mintBridgeToken({ kid: 'k', alg: 'HS256', key: SECRET, externalCustomerId: 'u', ttlSeconds, now: NOW });
    const claims = decodeJwt(token);
    assert.equal(claims.exp, NOW_SECONDS + ttlSeconds);
    assert.equal(claims.iat, NOW_SECONDS);
  }
});

test('mintBridgeToken: ttlSeconds outside 1-600 or not an integer is refused, naming the field', async () => {
  for (const ttlSeconds of [0, -1, 601, 1.5, Number.NaN]) {
    await assert.rejects(
      mintBridgeToken({ kid: 'k', alg: 'HS256', key: SECRET, externalCustomerId: 'u', ttlSeconds, now: NOW }),
      { name: 'RangeError', message: /^ttlSeconds must be an integer between 1 and 600$/ },
    );
  }
});

test('mintBridgeToken: audience false leaves aud out', async () => {
  const token = await mintBridgeToken({ kid: 'k', alg: 'HS256', key: SECRET, externalCustomerId: 'u', audience: false, now: NOW });
  assert.equal('aud' in decodeJwt(token), false);
});

test('mintBridgeToken: without now, iat is the current second', async () => {
  const before = Math.floor(Date.now() / 1000);
  const claims = decodeJwt(await mintBridgeToken({ kid: 'k', alg: 'HS256', key: SECRET, externalCustomerId: 'u' }));
  const after = Math.floor(Date.now() / 1000);
  assert.ok(typeof claims.iat === 'number' && claims.iat >= before && claims.iat <= after);
});

test('mintBridgeToken: every call gets a distinct jti', async () => {
  const jtis = new Set<unknown>();
  for (let i = 0; i < 50; i += 1) {
    jtis.add(decodeJwt(await mintBridgeToken({ kid: 'k', alg: 'HS256', key: SECRET, externalCustomerId: 'u', now: NOW })).jti);
  }
  assert.equal(jtis.size, 50);
});

test('mintBridgeToken: invalid fields are refused with a message naming the field', async () => {
  const base = { kid: 'sk_1', alg: 'HS256' as const, key: SECRET, externalCustomerId: 'u', now: NOW };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ externalCustomerId: '' }, /^externalCustomerId must be 1-255 characters$/],
    [{ externalCustomerId: 'x'.repeat(256) }, /^externalCustomerId must be 1-255 characters$/],
    [{ externalCustomerId: 42 }, /^externalCustomerId must be 1-255 characters$/],
    [{ kid: '' }, /^kid must be 1-128 characters$/],
    [{ kid: 'k'.repeat(129) }, /^kid must be 1-128 characters$/],
    [{ alg: 'none' }, /^alg must be one of HS256, RS256, ES256, EdDSA$/],
    [{ alg: 'HS512' }, /^alg must be one of/],
    [{ email: 'not-an-email' }, /^email must be/],
    [{ email: `${'a'.repeat(250)}@example.com` }, /^email must be/],
    [{ name: 'n'.repeat(256) }, /^name must be at most 255 characters$/],
    [{ audience: 'yes' }, /^audience must be a boolean$/],
    [{ now: new Date(Number.NaN) }, /^now must be a valid Date$/],
    [{ key: '' }, /^key must be a non-empty secret string for HS256$/],
    [{ key: pkcs8(rsa.privateKey) }, /^key looks like a PEM key/],
    [{ key: rsa.privateKey }, /^key must be the secret string/],
    [{ alg: 'RS256', key: 'not a pem' }, /^key must be a PKCS#8 PEM private key for RS256$/],
    [{ alg: 'RS256', key: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() }, /^key must be a PKCS#8 PEM private key for RS256$/],
    [{ alg: 'RS256', key: rsa.publicKey }, /^key must be a PKCS#8 PEM private key \(or a private KeyObject/],
    [{ alg: 'RS256', key: pkcs8(ec.privateKey) }, /^key cannot sign RS256/],
    [{ alg: 'ES256', key: pkcs8(ed.privateKey) }, /^key cannot sign ES256/],
  ];
  for (const [override, message] of cases) {
    const input = { ...base, ...override } as Parameters<typeof mintBridgeToken>[0];
    await assert.rejects(mintBridgeToken(input), { message }, `override ${JSON.stringify(Object.keys(override))}`);
  }
});

test('mintBridgeToken: an RSA key under 2048 bits is refused', async () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  await assert.rejects(
    mintBridgeToken({ kid: 'k', alg: 'RS256', key: pkcs8(small.privateKey), externalCustomerId: 'u', now: NOW }),
    { name: 'TypeError', message: /^key cannot sign RS256/ },
  );
});

test('mintBridgeToken: the header decodes without verification to the documented three fields', async () => {
  const token = await mintBridgeToken({ kid: 'sk_h', alg: 'EdDSA', key: ed.privateKey, externalCustomerId: 'u', now: NOW });
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'EdDSA', kid: 'sk_h', typ: 'JWT' });
});

test('mintBridgeToken: WebCrypto CryptoKeys sign as well (HMAC and ECDSA)', async () => {
  const hmac = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const hsToken = await mintBridgeToken({ kid: 'k', alg: 'HS256', key: hmac, externalCustomerId: 'u', now: NOW });
  await verifyAt(hsToken, new TextEncoder().encode(SECRET), 'HS256');
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const esToken = await mintBridgeToken({ kid: 'k', alg: 'ES256', key: pair.privateKey, externalCustomerId: 'u', now: NOW });
  const { payload } = await jwtVerify(esToken, pair.publicKey, { algorithms: ['ES256'], currentDate: NOW });
  assert.equal(payload.external_customer_id, 'u');
});
