// Sessions: refresh, revocation and revocation by signing key.
import assert from 'node:assert/strict';
import type { Section } from './fixtures.js';
import { MINUTE, HOUR, DAY, at, unique, addSigningKey, addWorld, sessionRecord } from './fixtures.js';

export const sessionCases: Section = (it, s) => {
  it('createSession: getSession returns it as stored, null for an unknown sid', async () => {
    const world = await addWorld(s());
    const bridge = sessionRecord(world);
    const magic = sessionRecord(world, { method: 'magic_link', signingKid: null });
    await s().createSession(bridge);
    await s().createSession(magic);
    assert.deepEqual(await s().getSession(bridge.sid), bridge);
    assert.deepEqual(await s().getSession(magic.sid), magic);
    assert.equal(await s().getSession(unique('sid_')), null);
  });

  it('getSessionWithCustomer: the session and its customer as stored; null for an unknown sid', async () => {
    const world = await addWorld(s());
    const session = sessionRecord(world);
    await s().createSession(session);
    assert.deepEqual(await s().getSessionWithCustomer(session.sid), { session, customer: world.customer });
    await s().revokeSession(session.sid, at(MINUTE));
    assert.deepEqual((await s().getSessionWithCustomer(session.sid))?.session.revokedAt, at(MINUTE));
    assert.equal(await s().getSessionWithCustomer(unique('sid_')), null);
  });

  it('getSessionWithCustomer: 30 concurrent lookups of different, repeated and unknown sids each get their own answer', async () => {
    const world = await addWorld(s());
    const other = await addWorld(s());
    const sessions = [...Array.from({ length: 8 }, () => sessionRecord(world)), ...Array.from({ length: 4 }, () => sessionRecord(other))];
    for (const session of sessions) await s().createSession(session);
    await s().revokeSession(sessions[3].sid, at(MINUTE));
    const asked = Array.from({ length: 30 }, (_, i) => (i % 5 === 4 ? unique('sid_') : sessions[i % sessions.length].sid));
    const answers = await Promise.all(asked.map((sid) => s().getSessionWithCustomer(sid)));
    answers.forEach((answer, i) => {
      const session = sessions.find((candidate) => candidate.sid === asked[i]);
      if (!session) return assert.equal(answer, null, `unknown sid ${i}`);
      const customer = world.tenant === session.tenant ? world.customer : other.customer;
      const revokedAt = session.sid === sessions[3].sid ? at(MINUTE) : session.revokedAt;
      assert.deepEqual(answer, { session: { ...session, revokedAt }, customer }, `lookup ${i}`);
    });
  });

  it('touchSession: sets refreshedAt to now and returns the session', async () => {
    const session = sessionRecord(await addWorld(s()));
    await s().createSession(session);
    const touched = await s().touchSession(session.sid, at(HOUR));
    assert.deepEqual(touched, { ...session, refreshedAt: at(HOUR) });
    assert.deepEqual(await s().getSession(session.sid), touched);
    assert.deepEqual(await s().touchSession(session.sid, at(DAY - 1)), { ...session, refreshedAt: at(DAY - 1) });
  });

  it('touchSession: refuses a revoked session, a session past its absolute expiry and an unknown sid', async () => {
    const world = await addWorld(s());
    const revoked = sessionRecord(world, { revokedAt: at(MINUTE) });
    const expiring = sessionRecord(world, { expiresAt: at(DAY) });
    await s().createSession(revoked);
    await s().createSession(expiring);
    assert.equal(await s().touchSession(revoked.sid, at(HOUR)), null);
    assert.equal(await s().touchSession(expiring.sid, at(DAY + 1)), null);
    assert.equal(await s().touchSession(unique('sid_'), at(HOUR)), null);
    assert.deepEqual(await s().getSession(revoked.sid), revoked);
    assert.deepEqual(await s().getSession(expiring.sid), expiring);
  });

  it('revokeSession: returns true only for the call that revoked it', async () => {
    const session = sessionRecord(await addWorld(s()));
    await s().createSession(session);
    assert.equal(await s().revokeSession(session.sid, at(HOUR)), true);
    assert.equal(await s().revokeSession(session.sid, at(2 * HOUR)), false);
    assert.deepEqual(await s().getSession(session.sid), { ...session, revokedAt: at(HOUR) });
    assert.equal(await s().revokeSession(unique('sid_'), at(HOUR)), false);
    assert.equal(await s().touchSession(session.sid, at(2 * HOUR)), null);
  });

  it("revokeSessionsBySigningKey: revokes only that key's live sessions of that tenant", async () => {
    const world = await addWorld(s());
    const other = await addWorld(s());
    const otherKey = await addSigningKey(s(), world.tenant, 'RETIRING');
    const live = [sessionRecord(world), sessionRecord(world)];
    const untouched = [
      sessionRecord(world, { revokedAt: at(MINUTE) }),
      sessionRecord(world, { signingKid: otherKey.kid }),
      sessionRecord(world, { method: 'magic_link', signingKid: null }),
      sessionRecord(other),
    ];
    for (const session of [...live, ...untouched]) await s().createSession(session);
    assert.equal(await s().revokeSessionsBySigningKey(other.tenant, world.signingKey.kid, at(HOUR)), 0);
    assert.equal(await s().revokeSessionsBySigningKey(world.tenant, other.signingKey.kid, at(HOUR)), 0);
    assert.equal(await s().revokeSessionsBySigningKey(world.tenant, world.signingKey.kid, at(HOUR)), 2);
    for (const session of live) {
      assert.deepEqual(await s().getSession(session.sid), { ...session, revokedAt: at(HOUR) });
    }
    for (const session of untouched) assert.deepEqual(await s().getSession(session.sid), session);
    assert.equal(await s().revokeSessionsBySigningKey(world.tenant, world.signingKey.kid, at(2 * HOUR)), 0);
  });
};
