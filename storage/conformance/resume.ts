// Resumable magic-link sessions: the key binding on the session row and the one-time resume nonces.
import assert from 'node:assert/strict';
import type { ResumeNonce } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import { SECOND, MINUTE, HOUR, at, unique, tokenHash, times, addEmbedKey, addWorld, sessionRecord } from './fixtures.js';

const thumbprint = (): string => unique('jkt-').padEnd(43, 'x');

export const resumeCases: Section = (it, s) => {
  const magicSession = async () => {
    const world = await addWorld(s());
    const session = sessionRecord(world, { method: 'magic_link', signingKid: null });
    await s().createSession(session);
    return { world, session };
  };

  it('bindSessionKey: getSessionByKey finds the bound session and its customer, as stored', async () => {
    const { world, session } = await magicSession();
    const jkt = thumbprint();
    assert.equal(await s().getSessionByKey(world.tenant, jkt), null);
    assert.equal(await s().bindSessionKey(session.sid, jkt), true);
    assert.deepEqual(await s().getSessionByKey(world.tenant, jkt), { session, customer: world.customer });
    assert.deepEqual(await s().getSession(session.sid), session);
  });

  it('bindSessionKey: a session takes one key, a key binds one session, an unknown sid binds nothing', async () => {
    const { world, session } = await magicSession();
    const other = sessionRecord(world, { method: 'magic_link', signingKid: null });
    await s().createSession(other);
    const jkt = thumbprint();
    assert.equal(await s().bindSessionKey(session.sid, jkt), true);
    assert.equal(await s().bindSessionKey(session.sid, thumbprint()), false);
    assert.equal(await s().bindSessionKey(other.sid, jkt), false);
    assert.equal(await s().bindSessionKey(unique('sid_'), thumbprint()), false);
    assert.equal((await s().getSessionByKey(world.tenant, jkt))?.session.sid, session.sid);
  });

  it('getSessionByKey: is scoped by tenant and returns revoked sessions as they are', async () => {
    const { world, session } = await magicSession();
    const elsewhere = await addWorld(s());
    const jkt = thumbprint();
    await s().bindSessionKey(session.sid, jkt);
    assert.equal(await s().getSessionByKey(elsewhere.tenant, jkt), null);
    await s().revokeSession(session.sid, at(MINUTE));
    assert.deepEqual((await s().getSessionByKey(world.tenant, jkt))?.session.revokedAt, at(MINUTE));
  });

  it('bindSessionKey: of 20 concurrent binds of one key to different sessions exactly one wins', async () => {
    const world = await addWorld(s());
    const sessions = times(20, () => sessionRecord(world, { method: 'magic_link', signingKid: null }));
    for (const session of sessions) await s().createSession(session);
    const jkt = thumbprint();
    const results = await Promise.all(sessions.map((session) => s().bindSessionKey(session.sid, jkt)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('prune: a pruned session takes its key binding with it', async () => {
    const world = await addWorld(s());
    const session = sessionRecord(world, { method: 'magic_link', signingKid: null, expiresAt: at(MINUTE) });
    await s().createSession(session);
    const jkt = thumbprint();
    await s().bindSessionKey(session.sid, jkt);
    await s().prune({ now: at(HOUR), auditBefore: at(0) });
    assert.equal(await s().getSessionByKey(world.tenant, jkt), null);
  });

  const nonceFor = async (patch: Partial<ResumeNonce> = {}): Promise<ResumeNonce> => {
    const world = await addWorld(s());
    const nonce = { nonceHash: tokenHash(), tenant: world.tenant, embedKeyId: world.embedKey.id, createdAt: at(0), expiresAt: at(MINUTE), ...patch };
    await s().createResumeNonce(nonce);
    return nonce;
  };

  it('consumeResumeNonce: the first consume wins and a second is refused', async () => {
    const nonce = await nonceFor();
    const input = { nonceHash: nonce.nonceHash, tenant: nonce.tenant, embedKeyId: nonce.embedKeyId, now: at(SECOND) };
    assert.equal(await s().consumeResumeNonce(input), true);
    assert.equal(await s().consumeResumeNonce(input), false);
  });

  it('consumeResumeNonce: refuses an expired nonce, another tenant, another embed key and an unknown hash', async () => {
    const nonce = await nonceFor();
    const input = { nonceHash: nonce.nonceHash, tenant: nonce.tenant, embedKeyId: nonce.embedKeyId, now: at(SECOND) };
    const otherKey = await addEmbedKey(s(), nonce.tenant);
    const otherWorld = await addWorld(s());
    assert.equal(await s().consumeResumeNonce({ ...input, now: nonce.expiresAt }), false);
    assert.equal(await s().consumeResumeNonce({ ...input, embedKeyId: otherKey.id }), false);
    assert.equal(await s().consumeResumeNonce({ ...input, tenant: otherWorld.tenant, embedKeyId: otherWorld.embedKey.id }), false);
    assert.equal(await s().consumeResumeNonce({ ...input, nonceHash: tokenHash() }), false);
    // None of the refusals spent it.
    assert.equal(await s().consumeResumeNonce(input), true);
  });

  it('consumeResumeNonce: of 20 concurrent consumes exactly one wins', async () => {
    const nonce = await nonceFor();
    const input = { nonceHash: nonce.nonceHash, tenant: nonce.tenant, embedKeyId: nonce.embedKeyId, now: at(SECOND) };
    const results = await Promise.all(times(20, () => s().consumeResumeNonce(input)));
    assert.equal(results.filter(Boolean).length, 1);
  });
};
