import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import { decodeJwt, jwtVerify } from 'jose';
import { MINT_SAMPLE_LANGS, mintSampleUnavailable, runMintSample, runMintSampleProcess } from './helpers/mint-samples.js';
import type { MintSampleLang } from './helpers/mint-samples.js';

// A non-ASCII secret proves every sample takes the HMAC key as the secret's UTF-8 bytes, as the engine does.
const SECRET = `sëcret-ünïcode-${randomBytes(32).toString('base64url')}`;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const dir = mkdtempSync(join(tmpdir(), 'aforo-mint-samples-'));
const PRIVATE_KEY_FILE = join(dir, 'bridge-key.pem');
writeFileSync(PRIVATE_KEY_FILE, PRIVATE_PEM, { mode: 0o600 });
after(() => rmSync(dir, { recursive: true, force: true }));

/** False when the sample cannot run here: outside CI that skips the test with the reason, under CI it fails. */
async function sampleRuns(t: TestContext, lang: MintSampleLang): Promise<boolean> {
  const reason = await mintSampleUnavailable(lang);
  if (reason === undefined) return true;
  if (process.env.CI === 'true') assert.fail(`CI must be able to run the ${lang} mint sample: ${reason}`);
  t.skip(reason);
  return false;
}

/** Runs a sample, bounding iat by the wall clock around the run (the samples read the real time). */
async function mint(lang: MintSampleLang, env: Parameters<typeof runMintSample>[1]) {
  const before = Math.floor(Date.now() / 1000);
  const token = await runMintSample(lang, env);
  return { token, before, after: Math.floor(Date.now() / 1000) };
}

function assertBridgeClaims(
  payload: Record<string, unknown>,
  expected: { externalCustomerId: string; email?: string; name?: string },
  window: { before: number; after: number },
): void {
  const keys = ['aud', 'exp', 'external_customer_id', 'iat', 'jti'];
  if (expected.email !== undefined) keys.push('email');
  if (expected.name !== undefined) keys.push('name');
  assert.deepEqual(Object.keys(payload).sort(), keys.sort());
  assert.equal(payload.external_customer_id, expected.externalCustomerId);
  assert.equal(payload.email, expected.email);
  assert.equal(payload.name, expected.name);
  assert.equal(payload.aud, 'aforo-bridge');
  assert.ok(typeof payload.iat === 'number' && payload.iat >= window.before && payload.iat <= window.after, `iat ${payload.iat}`);
  assert.equal(payload.exp, payload.iat + 300);
  assert.match(String(payload.jti), /^[A-Za-z0-9_-]{22}$/);
}

for (const lang of MINT_SAMPLE_LANGS) {
  test(`${lang} mint sample: HS256 verifies with the secret's UTF-8 bytes, with kid, alg and every claim`, async (t) => {
    if (!(await sampleRuns(t, lang))) return;
    const expected = { externalCustomerId: `user-${lang}-42`, email: 'zoe@example.com', name: 'Zoë Ünïcode' };
    const minted = await mint(lang, {
      AFORO_KID: 'sk_hs_sample', AFORO_ALG: 'HS256', AFORO_SECRET: SECRET,
      AFORO_EXTERNAL_CUSTOMER_ID: expected.externalCustomerId, AFORO_EMAIL: expected.email, AFORO_NAME: expected.name,
    });
    const { payload, protectedHeader } = await jwtVerify(minted.token, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'], audience: 'aforo-bridge',
    });
    assert.deepEqual(protectedHeader, { alg: 'HS256', kid: 'sk_hs_sample', typ: 'JWT' });
    assertBridgeClaims(payload, expected, minted);
  });

  test(`${lang} mint sample: an HS256 token does not verify with a wrong secret`, async (t) => {
    if (!(await sampleRuns(t, lang))) return;
    const token = await runMintSample(lang, { AFORO_KID: 'sk_hs', AFORO_ALG: 'HS256', AFORO_SECRET: SECRET, AFORO_EXTERNAL_CUSTOMER_ID: 'u1' });
    await assert.rejects(
      jwtVerify(token, new TextEncoder().encode(`${SECRET.slice(0, -1)}x`), { algorithms: ['HS256'] }),
      { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
    );
  });

  test(`${lang} mint sample: RS256 from AFORO_PRIVATE_KEY_PEM verifies with the public key and not with another`, async (t) => {
    if (!(await sampleRuns(t, lang))) return;
    const expected = { externalCustomerId: 'user-rs', email: 'rs@example.org', name: 'Ren Sato' };
    const minted = await mint(lang, {
      AFORO_KID: 'sk_rs_sample', AFORO_ALG: 'RS256', AFORO_PRIVATE_KEY_PEM: PRIVATE_PEM,
      AFORO_EXTERNAL_CUSTOMER_ID: expected.externalCustomerId, AFORO_EMAIL: expected.email, AFORO_NAME: expected.name,
    });
    const { payload, protectedHeader } = await jwtVerify(minted.token, rsa.publicKey, { algorithms: ['RS256'], audience: 'aforo-bridge' });
    assert.deepEqual(protectedHeader, { alg: 'RS256', kid: 'sk_rs_sample', typ: 'JWT' });
    assertBridgeClaims(payload, expected, minted);
    await assert.rejects(jwtVerify(minted.token, otherRsa.publicKey as KeyObject, { algorithms: ['RS256'] }), {
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  test(`${lang} mint sample: RS256 from AFORO_PRIVATE_KEY_FILE without email and name leaves both claims out`, async (t) => {
    if (!(await sampleRuns(t, lang))) return;
    const minted = await mint(lang, {
      AFORO_KID: 'sk_rs_file', AFORO_ALG: 'RS256', AFORO_PRIVATE_KEY_FILE: PRIVATE_KEY_FILE, AFORO_EXTERNAL_CUSTOMER_ID: 'user-file',
    });
    const { payload, protectedHeader } = await jwtVerify(minted.token, rsa.publicKey, { algorithms: ['RS256'], audience: 'aforo-bridge' });
    assert.equal(protectedHeader.kid, 'sk_rs_file');
    assertBridgeClaims(payload, { externalCustomerId: 'user-file' }, minted);
  });

  test(`${lang} mint sample: two runs give two distinct jtis`, async (t) => {
    if (!(await sampleRuns(t, lang))) return;
    const env = { AFORO_KID: 'sk_hs', AFORO_ALG: 'HS256', AFORO_SECRET: SECRET, AFORO_EXTERNAL_CUSTOMER_ID: 'u1' } as const;
    const [first, second] = [await runMintSample(lang, env), await runMintSample(lang, env)];
    assert.notEqual(decodeJwt(first).jti, decodeJwt(second).jti);
  });

  test(`${lang} mint sample: a missing input exits non-zero, names the variable and prints no token`, async (t) => {
    if (!(await sampleRuns(t, lang))) return;
    const missingCustomer = await runMintSampleProcess(lang, { AFORO_KID: 'sk_hs', AFORO_ALG: 'HS256', AFORO_SECRET: SECRET });
    assert.notEqual(missingCustomer.code, 0);
    assert.match(missingCustomer.stderr, /AFORO_EXTERNAL_CUSTOMER_ID/);
    assert.equal(missingCustomer.stdout, '');
    const missingKey = await runMintSampleProcess(lang, { AFORO_KID: 'sk_rs', AFORO_ALG: 'RS256', AFORO_EXTERNAL_CUSTOMER_ID: 'u1' });
    assert.notEqual(missingKey.code, 0);
    assert.match(missingKey.stderr, /AFORO_PRIVATE_KEY_PEM or AFORO_PRIVATE_KEY_FILE/);
    assert.equal(missingKey.stdout, '');
  });
}
