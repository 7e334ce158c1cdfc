import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MINT_SAMPLE_LANGS, mintSampleUnavailable, runMintSample } from './helpers/mint-samples.js';
import { createFixture, type Fixture } from './http/fixture.js';
import { mountKoa } from './http/mounts.js';

describe('mint samples against a running engine', () => {
  let f: Fixture;
  let rsKid: string;
  let rsPrivatePem: string;
  before(async () => {
    // The samples stamp iat with the real clock, so this engine runs on it too.
    f = await createFixture(mountKoa, { clock: () => new Date() });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsPrivatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const registered = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, {
      alg: 'RS256', publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    assert.equal(registered.status, 201);
    rsKid = registered.body.kid;
  });
  after(() => f.close());

  for (const lang of MINT_SAMPLE_LANGS) {
    it(`${lang}: HS256 and RS256 tokens exchange; a wrong secret is refused`, async (t) => {
      const missing = await mintSampleUnavailable(lang);
      if (missing) {
        if (process.env.CI === 'true') assert.fail(missing);
        t.skip(missing);
        return;
      }
      const hs = await runMintSample(lang, {
        AFORO_KID: f.kid, AFORO_ALG: 'HS256', AFORO_SECRET: f.secret, AFORO_EXTERNAL_CUSTOMER_ID: `${lang}-hs`, AFORO_EMAIL: `${lang}@example.com`,
      });
      const hsAnswer = await f.exchange(hs);
      assert.equal(hsAnswer.status, 200, hsAnswer.text);
      assert.equal(hsAnswer.body.customer.externalId, `${lang}-hs`);
      assert.equal(hsAnswer.body.customer.email, `${lang}@example.com`);

      const rs = await runMintSample(lang, { AFORO_KID: rsKid, AFORO_ALG: 'RS256', AFORO_PRIVATE_KEY_PEM: rsPrivatePem, AFORO_EXTERNAL_CUSTOMER_ID: `${lang}-rs` });
      const rsAnswer = await f.exchange(rs);
      assert.equal(rsAnswer.status, 200, rsAnswer.text);

      const wrong = await runMintSample(lang, { AFORO_KID: f.kid, AFORO_ALG: 'HS256', AFORO_SECRET: `${f.secret}x`, AFORO_EXTERNAL_CUSTOMER_ID: `${lang}-bad` });
      const refused = await f.exchange(wrong);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'bridge_token_invalid');
    });
  }
});
