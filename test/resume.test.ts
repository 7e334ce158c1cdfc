// Resumable magic-link sessions (SPEC section 9) through HTTP on memory, a SQLite file and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage } from '../lib/storage.js';
import { onEveryStorage } from './helpers/every-storage.js';
import { makeResumeKey, resumeProof, type ResumeKeyPair } from './helpers/resume-proof.js';
import { createFixture, ORIGIN, type Answer, type Fixture } from './http/fixture.js';
import { mountKoa } from './http/mounts.js';

const HTU = 'https://portal.example.com/aforo/v1/embed/auth/resume';
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** Signs in by magic link with a resume key; answers the exchange. */
async function signIn(f: Fixture, email: string, resumeKey: unknown): Promise<Answer> {
  f.mailer.clear();
  const requested = await f.call('POST', '/v1/embed/auth/magic-link', { body: { email, returnUrl: `${ORIGIN}/billing` }, headers: f.embedHeaders() });
  assert.equal(requested.status, 202, requested.text);
  await f.bridge.drain();
  const token = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(f.mailer.outbox[0]?.text ?? '')?.[1];
  assert.ok(token, 'a magic link in the outbox');
  return f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token, ...(resumeKey ? { resumeKey } : {}) }, headers: f.embedHeaders() });
}

function resumeSuite(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name}: resumable magic-link sessions`, () => {
    let f: Fixture;
    let n = 0;
    const nonce = async (headers: Record<string, string> = f.embedHeaders()): Promise<string> => {
      const answer = await f.call('POST', '/v1/embed/auth/resume/nonce', { body: {}, headers });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.expiresIn, 60);
      return answer.body.nonce as string;
    };
    const resume = (proof: unknown, headers: Record<string, string> = f.embedHeaders()) =>
      f.call('POST', '/v1/embed/auth/resume', { body: { proof }, headers });
    const proofFor = async (key: ResumeKeyPair, extra: Partial<Parameters<typeof resumeProof>[1]> = {}) =>
      resumeProof(key, { nonce: await nonce(), htu: HTU, iat: f.clock.seconds(), ...extra });
    /** A fresh customer signed in with a fresh bound key. */
    const bound = async () => {
      const email = `resumer${n++}@x.test`;
      await f.admin('PUT', `/tenants/${f.tenant}/customers/${email}`, { email });
      const key = await makeResumeKey();
      const answer = await signIn(f, email, key.publicJwk);
      assert.equal(answer.status, 200, answer.text);
      return { key, answer, sid: claimsOf(answer.body.sessionJwt).sid as string };
    };
    const refused = (answer: Answer, code = 'session_invalid') => {
      assert.equal(answer.status, 401, answer.text);
      assert.equal(answer.body.error.code, code, answer.text);
    };

    before(async () => {
      f = await createFixture(mountKoa, { storage: await makeStorage(), ipRateLimit: 100_000, magicLink: { perIpPerMinute: 100_000, perEmailPerHour: 100_000 } });
    });
    after(() => f.close());

    it('exchange: the session JWT carries cnf.jkt, the thumbprint of the key sent', async () => {
      const { key, answer } = await bound();
      assert.deepEqual(claimsOf(answer.body.sessionJwt).cnf, { jkt: key.jkt });
    });

    it('resume: a proof over a fresh nonce answers the session again with the same sid and customer, and is audited without key material', async () => {
      const { key, answer, sid } = await bound();
      f.clock.advance(600);
      const resumed = await resume(await proofFor(key));
      assert.equal(resumed.status, 200, resumed.text);
      const claims = claimsOf(resumed.body.sessionJwt);
      assert.equal(claims.sid, sid);
      assert.deepEqual(claims.cnf, { jkt: key.jkt });
      assert.deepEqual(resumed.body.customer, answer.body.customer);
      assert.equal(resumed.body.expiresIn, 3600);
      const me = await f.call('GET', '/v1/embed/me', { headers: f.embedHeaders({ authorization: `Bearer ${resumed.body.sessionJwt}` }) });
      assert.equal(me.status, 200);
      const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?type=session.resumed`);
      const event = audit.body.events.find((e: { sid: string }) => e.sid === sid);
      assert.ok(event, 'a session.resumed event');
      assert.doesNotMatch(JSON.stringify(event), new RegExp(`${key.jkt}|${key.publicJwk.x}`));
    });

    it('refresh: a refreshed JWT keeps cnf.jkt', async () => {
      const { key, answer } = await bound();
      const refreshed = await f.call('POST', '/v1/embed/auth/refresh', { body: {}, headers: f.embedHeaders({ authorization: `Bearer ${answer.body.sessionJwt}` }) });
      assert.equal(refreshed.status, 200, refreshed.text);
      assert.deepEqual(claimsOf(refreshed.body.sessionJwt).cnf, { jkt: key.jkt });
    });

    it('resume: a replayed nonce is 401 session_invalid', async () => {
      const { key } = await bound();
      const value = await nonce();
      assert.equal((await resume(await resumeProof(key, { nonce: value, htu: HTU, iat: f.clock.seconds() }))).status, 200);
      refused(await resume(await resumeProof(key, { nonce: value, htu: HTU, iat: f.clock.seconds() })));
    });

    it('resume: the same proof sent twice is refused the second time', async () => {
      const { key } = await bound();
      const proof = await proofFor(key);
      assert.equal((await resume(proof)).status, 200);
      refused(await resume(proof));
    });

    it('resume: a proof signed by another key is 401, with that key or the bound key in its header', async () => {
      const { key } = await bound();
      const other = await makeResumeKey();
      refused(await resume(await proofFor(other)));
      refused(await resume(await proofFor(other, { headerJwk: key.publicJwk })));
      assert.equal((await resume(await proofFor(key))).status, 200);
    });

    it('resume: a proof for another htu, another htm or another typ, or without a numeric iat or a jti, is 401; a browser clock hours off still resumes', async () => {
      const { key } = await bound();
      refused(await resume(await proofFor(key, { htu: 'https://evil.example.com/aforo/v1/embed/auth/resume' })));
      refused(await resume(await proofFor(key, { htu: 'https://portal.example.com/aforo/v1/embed/auth/refresh' })));
      refused(await resume(await proofFor(key, { claims: { htm: 'GET' } })));
      refused(await resume(await proofFor(key, { typ: 'JWT' })));
      refused(await resume(await proofFor(key, { claims: { iat: String(f.clock.seconds()) } })));
      refused(await resume(await proofFor(key, { claims: { iat: undefined } })));
      refused(await resume(await proofFor(key, { claims: { jti: undefined } })));
      assert.equal((await resume(await proofFor(key, { iat: f.clock.seconds() - 5 * 3600 }))).status, 200);
    });

    it('resume: an expired nonce (past 60 s) is 401 session_invalid', async () => {
      const { key } = await bound();
      const value = await nonce();
      f.clock.advance(61);
      refused(await resume(await resumeProof(key, { nonce: value, htu: HTU, iat: f.clock.seconds() })));
    });

    it('resume: a logged-out session is 401 session_invalid', async () => {
      const { key, answer } = await bound();
      const out = await f.call('POST', '/v1/embed/auth/logout', { body: {}, headers: f.embedHeaders({ authorization: `Bearer ${answer.body.sessionJwt}` }) });
      assert.equal(out.status, 204);
      refused(await resume(await proofFor(key)));
    });

    it('resume: a session revoked in the storage (as an admin revocation does) is 401 session_invalid', async () => {
      const { key, sid } = await bound();
      assert.equal(await f.storage.revokeSession(sid, f.clock.now()), true);
      refused(await resume(await proofFor(key)));
    });

    it('resume: a bridge-mode session has no cnf and no proof resumes it', async () => {
      const bridged = await f.exchange(await f.token({ external_customer_id: 'bridged' }));
      assert.equal(bridged.status, 200);
      assert.equal(claimsOf(bridged.body.sessionJwt).cnf, undefined);
      refused(await resume(await proofFor(await makeResumeKey())));
    });

    it('resume: a session unseen longer than resumeIdle (12 h) is 401 session_expired; seen within it, it resumes', async () => {
      const { key } = await bound();
      f.clock.advance(12 * 3600);
      assert.equal((await resume(await proofFor(key))).status, 200);
      f.clock.advance(12 * 3600 + 1);
      refused(await resume(await proofFor(key)), 'session_expired');
    });

    it('resume: past the absolute lifetime (24 h) is 401 session_expired, however recently it was seen', async () => {
      const { key } = await bound();
      for (const hours of [11, 11]) {
        f.clock.advance(hours * 3600);
        assert.equal((await resume(await proofFor(key))).status, 200);
      }
      f.clock.advance(1.5 * 3600);
      const late = await resume(await proofFor(key));
      assert.equal(late.status, 200, 'within 24 h');
      assert.equal(late.body.expiresIn, 1800, 'the JWT never passes the absolute expiry');
      f.clock.advance(3600);
      refused(await resume(await proofFor(key)), 'session_expired');
    });

    it('resume: a revoked embed key ends resumption (401)', async () => {
      const extra = await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: [ORIGIN] });
      const headers = f.embedHeaders({ 'x-aforo-embed-key': extra.body.key });
      const email = `revoked-key${n++}@x.test`;
      await f.admin('PUT', `/tenants/${f.tenant}/customers/${email}`, { email });
      const key = await makeResumeKey();
      f.mailer.clear();
      await f.call('POST', '/v1/embed/auth/magic-link', { body: { email, returnUrl: `${ORIGIN}/billing` }, headers });
      await f.bridge.drain();
      const token = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(f.mailer.outbox[0]?.text ?? '')?.[1];
      const answer = await f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token, resumeKey: key.publicJwk }, headers });
      assert.equal(answer.status, 200, answer.text);
      const proof = await resumeProof(key, { nonce: await nonce(headers), htu: HTU, iat: f.clock.seconds() });
      await f.admin('POST', `/tenants/${f.tenant}/embed-keys/${extra.body.id}/revoke`);
      const after = await resume(proof, headers);
      assert.equal(after.status, 401);
      // A session made under one key never resumes under another.
      refused(await resume(await proofFor(key)));
    });

    it("resume: another tenant's nonce, or this session's proof sent under another tenant, is 401", async () => {
      const { key } = await bound();
      const other = await f.addTenant(`o${n++}${f.tenant}`.slice(0, 20));
      const otherHeaders = { origin: ORIGIN, 'x-aforo-tenant': `o${n - 1}${f.tenant}`.slice(0, 20), 'x-aforo-embed-key': other.embedKey };
      const foreign = await nonce(otherHeaders);
      refused(await resume(await resumeProof(key, { nonce: foreign, htu: HTU, iat: f.clock.seconds() })));
      refused(await resume(await proofFor(key), otherHeaders));
    });

    it('resume: 20 concurrent resumes with one nonce give exactly one session answer, the rest 401 session_invalid', async () => {
      const { key, sid } = await bound();
      const value = await nonce();
      const proofs = await Promise.all(Array.from({ length: 20 }, () => resumeProof(key, { nonce: value, htu: HTU, iat: f.clock.seconds() })));
      const answers = await Promise.all(proofs.map((proof) => resume(proof)));
      const ok = answers.filter((a) => a.status === 200);
      assert.equal(ok.length, 1, JSON.stringify(answers.map((a) => a.status)));
      assert.equal(claimsOf(ok[0].body.sessionJwt).sid, sid);
      for (const answer of answers.filter((a) => a.status !== 200)) refused(answer);
    });

    it('exchange: a resume key that is not a point of P-256 is 400 invalid_request and leaves the link unspent', async () => {
      const email = `badkey${n++}@x.test`;
      await f.admin('PUT', `/tenants/${f.tenant}/customers/${email}`, { email });
      f.mailer.clear();
      await f.call('POST', '/v1/embed/auth/magic-link', { body: { email, returnUrl: `${ORIGIN}/billing` }, headers: f.embedHeaders() });
      await f.bridge.drain();
      const token = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(f.mailer.outbox[0]?.text ?? '')?.[1];
      const junk = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) };
      const bad = await f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token, resumeKey: junk }, headers: f.embedHeaders() });
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.body.error.code, 'invalid_request');
      const good = await f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token }, headers: f.embedHeaders() });
      assert.equal(good.status, 200, good.text);
      assert.equal(claimsOf(good.body.sessionJwt).cnf, undefined);
    });
  });
}

await onEveryStorage('resume', resumeSuite);

describe('magicLink.resume: false', () => {
  let f: Fixture;
  before(async () => {
    f = await createFixture(mountKoa, { magicLink: { resume: false } });
  });
  after(() => f.close());

  it('the exchange binds no key, and both resume routes answer 401 session_invalid', async () => {
    await f.admin('PUT', `/tenants/${f.tenant}/customers/off@x.test`, { email: 'off@x.test' });
    const key = await makeResumeKey();
    const answer = await signIn(f, 'off@x.test', key.publicJwk);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(claimsOf(answer.body.sessionJwt).cnf, undefined);
    const nonce = await f.call('POST', '/v1/embed/auth/resume/nonce', { body: {}, headers: f.embedHeaders() });
    assert.equal(nonce.status, 401);
    assert.equal(nonce.body.error.code, 'session_invalid');
    const proof = await resumeProof(key, { nonce: 'n'.repeat(43), htu: HTU, iat: f.clock.seconds() });
    const resumed = await f.call('POST', '/v1/embed/auth/resume', { body: { proof }, headers: f.embedHeaders() });
    assert.equal(resumed.status, 401);
    assert.equal(resumed.body.error.code, 'session_invalid');
  });

  it('createBridge refuses a magicLink.resume that is not a boolean and a resumeIdle out of range', async () => {
    const { createBridge } = await import('../lib/bridge.js');
    const { memoryStorage } = await import('../storage/memory.js');
    const { memoryMailer } = await import('../adapters/mail.js');
    const base = { storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo' };
    assert.throws(() => createBridge({ ...base, magicLink: { resume: 'yes' as unknown as boolean } }), /magicLink\.resume must be a boolean/);
    assert.throws(() => createBridge({ ...base, magicLink: { resumeIdle: 10 } }), /magicLink\.resumeIdle must be an integer/);
  });
});
