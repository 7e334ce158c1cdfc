// Embed Studio's Go mint snippet, built and run as pasted for every signing algorithm: standard library only, no
// network, and the token it prints verifies with the key's public half and names the key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { goEnv, mintSampleUnavailable } from './helpers/mint-samples.js';

// The studio's modules read the page's location when they load; the snippet needs only the path it is served at.
(globalThis as { location?: unknown }).location = { origin: 'https://portal.example.com', pathname: '/aforo/studio' };
const { go } = await import('../studio/pages/snippets.js');

const DIR = mkdtempSync(join(tmpdir(), 'aforo-studio-go-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

type Alg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';
const PAIRS: Record<Exclude<Alg, 'HS256'>, () => { privateKey: string; publicKey: string }> = {
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }),
  EdDSA: () => generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }),
};

for (const alg of ['HS256', 'RS256', 'ES256', 'EdDSA'] as const) {
  test(`studio Go snippet, ${alg}: builds offline with the standard library and prints a token that verifies`, async (t) => {
    const missing = await mintSampleUnavailable('go');
    if (missing) {
      if (process.env.CI === 'true') throw new Error(`Go is required under CI: ${missing}`);
      return t.skip(missing);
    }
    const kid = `sk_${randomBytes(8).toString('base64url')}`;
    const secret = randomBytes(32).toString('base64url');
    const pair = alg === 'HS256' ? null : PAIRS[alg]();
    const dir = mkdtempSync(join(DIR, `${alg}-`));
    writeFileSync(join(dir, 'go.mod'), 'module mint\n\ngo 1.19\n');
    writeFileSync(join(dir, 'mint.go'), go({ kid, alg } as Parameters<typeof go>[0]));
    const run = spawnSync('go', ['run', '.'], {
      cwd: dir, encoding: 'utf8', timeout: 180_000,
      env: { ...goEnv(), AFORO_EXTERNAL_CUSTOMER_ID: 'cust-go', AFORO_EMAIL: 'go@acme.test', ...(pair ? { AFORO_PRIVATE_KEY_PEM: pair.privateKey } : { AFORO_SECRET: secret }) },
    });
    assert.equal(run.status, 0, run.stderr);
    const token = run.stdout.trim();
    assert.deepEqual(decodeProtectedHeader(token), { alg, kid, typ: 'JWT' });
    const key = pair ? await importSPKI(pair.publicKey, alg) : new TextEncoder().encode(secret);
    const { payload } = await jwtVerify(token, key, { algorithms: [alg], audience: 'aforo-bridge', requiredClaims: ['iat', 'exp', 'jti'] });
    assert.equal(payload.external_customer_id, 'cust-go');
    assert.equal(payload.email, 'go@acme.test');
    assert.equal((payload.exp as number) - (payload.iat as number), 300);
  });
}
