// The one-time and counting steps: bridge-token ids, rate limits, magic links.
import assert from 'node:assert/strict';
import type { MagicLinkToken } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import {
  SECOND,
  MINUTE,
  HOUR,
  at,
  unique,
  tokenHash,
  times,
  addTenant,
  addEmbedKey,
  addSigningKey,
  addWorld,
  auditRecord,
  ids,
  magicLinkRecord,
  jtiRecord,
  sessionRecord,
  startSessionsInTurns,
} from './fixtures.js';

export const oneTimeCases: Section = (it, s) => {
  const jtiFor = async () => {
    const tenant = await addTenant(s());
    const key = await addSigningKey(s(), tenant, 'ACTIVE');
    return { tenant, kid: key.kid, jti: unique('jti-'), expiresAt: at(5 * MINUTE + 30 * SECOND), now: at(0) };
  };

  it('reserveJti: the first reservation wins and a second is refused', async () => {
    const input = await jtiFor();
    assert.equal(await s().reserveJti(input), true);
    assert.equal(await s().reserveJti({ ...input, now: at(MINUTE) }), false);
  });

  it('reserveJti: the same jti under another kid or another tenant is a separate reservation', async () => {
    const input = await jtiFor();
    const other = await jtiFor();
    const secondKey = await addSigningKey(s(), input.tenant, 'NEXT');
    assert.equal(await s().reserveJti(input), true);
    assert.equal(await s().reserveJti({ ...input, kid: secondKey.kid }), true);
    assert.equal(await s().reserveJti({ ...other, jti: input.jti }), true);
    assert.equal(await s().reserveJti({ ...input, jti: unique('jti-') }), true);
  });

  it('reserveJti: a jti is held until its expiresAt and may be taken again after it', async () => {
    const input = await jtiFor();
    assert.equal(await s().reserveJti(input), true);
    assert.equal(await s().reserveJti({ ...input, now: input.expiresAt }), false);
    const later = new Date(input.expiresAt.getTime() + 1);
    assert.equal(await s().reserveJti({ ...input, now: later, expiresAt: at(HOUR) }), true);
    assert.equal(await s().reserveJti({ ...input, now: at(30 * MINUTE) }), false);
  });

  it('reserveJti: of 20 concurrent reservations exactly one wins', async () => {
    const input = await jtiFor();
    const results = await Promise.all(times(20, () => s().reserveJti(input)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('hitRateLimit: counts hits in one fixed window and returns its end as resetAt', async () => {
    const key = unique('rl:ip:');
    assert.deepEqual(await s().hitRateLimit(key, MINUTE, at(10 * SECOND)), { count: 1, resetAt: at(MINUTE) });
    assert.deepEqual(await s().hitRateLimit(key, MINUTE, at(10 * SECOND)), { count: 2, resetAt: at(MINUTE) });
    assert.deepEqual(await s().hitRateLimit(key, MINUTE, at(MINUTE - 1)), { count: 3, resetAt: at(MINUTE) });
  });

  it('hitRateLimit: the next window starts again at 1', async () => {
    const key = unique('rl:ip:');
    await s().hitRateLimit(key, HOUR, at(5 * MINUTE));
    await s().hitRateLimit(key, HOUR, at(50 * MINUTE));
    assert.deepEqual(await s().hitRateLimit(key, HOUR, at(HOUR)), { count: 1, resetAt: at(2 * HOUR) });
    assert.deepEqual(await s().hitRateLimit(key, HOUR, at(HOUR + 1)), { count: 2, resetAt: at(2 * HOUR) });
  });

  it('hitRateLimit: each key has its own count', async () => {
    const first = unique('rl:email:');
    const second = unique('rl:email:');
    await s().hitRateLimit(first, MINUTE, at(0));
    await s().hitRateLimit(first, MINUTE, at(0));
    assert.equal((await s().hitRateLimit(second, MINUTE, at(0))).count, 1);
    assert.equal((await s().hitRateLimit(first, MINUTE, at(0))).count, 3);
  });

  it('hitRateLimit: 40 concurrent hits on one key get exactly the counts 1..40', async () => {
    const key = unique('rl:ip:');
    const results = await Promise.all(times(40, () => s().hitRateLimit(key, MINUTE, at(30 * SECOND))));
    assert.deepEqual(
      results.map((result) => result.count).sort((x, y) => x - y),
      times(40, (i) => i + 1),
    );
    assert.ok(results.every((result) => result.resetAt.getTime() === at(MINUTE).getTime()));
  });

  // Optional steps: a storage without them is served by the engine with the steps above.
  it('reserveRateLimit: racing reservations and hits own disjoint counts that together are 1..n', async () => {
    const storage = s();
    if (!storage.reserveRateLimit) return;
    const key = unique('rl:ip:');
    const calls = times(30, (i) => (i % 3 === 0 ? { amount: 1, hit: true } : { amount: (i % 5) + 1, hit: false }));
    const results = await Promise.all(
      calls.map(({ amount, hit }) =>
        hit ? storage.hitRateLimit(key, MINUTE, at(SECOND)) : storage.reserveRateLimit!(key, MINUTE, at(SECOND), amount),
      ),
    );
    const owned = results.flatMap((result, i) => times(calls[i].amount, (k) => result.count - k));
    const total = calls.reduce((sum, call) => sum + call.amount, 0);
    assert.deepEqual(owned.sort((x, y) => x - y), times(total, (i) => i + 1));
    assert.ok(results.every((result) => result.resetAt.getTime() === at(MINUTE).getTime()));
    await assert.rejects(storage.reserveRateLimit(key, MINUTE, at(SECOND), 0), RangeError);
  });

  it('startSession: a fresh jti stores the session and the audit row; a replay writes nothing', async () => {
    const storage = s();
    if (!storage.startSession) return;
    const world = await addWorld(storage);
    const jti = jtiRecord(world);
    const first = sessionRecord(world);
    const audit = auditRecord(world.tenant, { data: { sid: first.sid } });
    assert.equal(await storage.startSession({ jti, session: first, audit }), true);
    assert.deepEqual(await storage.getSession(first.sid), first);
    assert.deepEqual(ids(await storage.listAudit({ tenant: world.tenant, limit: 10 })), [audit.id]);

    const replay = sessionRecord(world);
    assert.equal(await storage.startSession({ jti: { ...jti, now: at(MINUTE) }, session: replay, audit: auditRecord(world.tenant) }), false);
    assert.equal(await storage.getSession(replay.sid), null);
    assert.equal((await storage.listAudit({ tenant: world.tenant, limit: 10 })).length, 1);
    // The jti it took is taken for reserveJti too.
    assert.equal(await storage.reserveJti({ ...jti, now: at(MINUTE) }), false);
  });

  it('startSession: of 20 concurrent exchanges of one jti exactly one stores a session', async () => {
    const storage = s();
    if (!storage.startSession) return;
    const world = await addWorld(storage);
    const jti = jtiRecord(world);
    const sessions = times(20, () => sessionRecord(world));
    const results = await Promise.all(
      sessions.map((session) => storage.startSession!({ jti, session, audit: auditRecord(world.tenant) })),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const stored = await Promise.all(sessions.map((session) => storage.getSession(session.sid)));
    assert.equal(stored.filter((session) => session !== null).length, 1);
    assert.equal((await storage.listAudit({ tenant: world.tenant, limit: 50 })).length, 1);
  });

  it('startSession: a concurrent mix of fresh jtis, racing copies of one jti and replays of a used one: each fresh jti and one copy win', async () => {
    const storage = s();
    if (!storage.startSession) return;
    const world = await addWorld(storage);
    const jtiOf = (jti: string, now = at(0)) => jtiRecord(world, { jti, now });
    const used = unique('jti-used-');
    assert.equal(await storage.startSession({ jti: jtiOf(used), session: sessionRecord(world), audit: auditRecord(world.tenant) }), true);
    const raced = unique('jti-raced-');
    const calls = [
      ...times(12, () => ({ jti: jtiOf(unique('jti-fresh-')), expect: true as boolean | null })),
      ...times(6, () => ({ jti: jtiOf(raced), expect: null })),
      ...times(4, () => ({ jti: jtiOf(used, at(MINUTE)), expect: false })),
    ].map((call) => ({ ...call, session: sessionRecord(world), audit: auditRecord(world.tenant) }));
    // Interleaved, so that the copies and replays share whatever batch the storage forms with the fresh ones.
    const order = calls.map((_, i) => i).sort((a, b) => (a * 7) % calls.length - (b * 7) % calls.length);
    const results = new Array<boolean | 'key_revoked'>(calls.length);
    await Promise.all(order.map(async (i) => {
      results[i] = await storage.startSession!({ jti: calls[i].jti, session: calls[i].session, audit: calls[i].audit });
    }));
    calls.forEach((call, i) => {
      if (call.expect !== null) assert.equal(results[i], call.expect, `call ${i}`);
    });
    assert.equal(calls.filter((call, i) => call.expect === null && results[i]).length, 1, 'one copy of the raced jti wins');
    for (const [i, call] of calls.entries()) {
      assert.equal((await storage.getSession(call.session.sid)) !== null, results[i], `session of call ${i} stored exactly when it won`);
    }
    const audited = new Set(ids(await storage.listAudit({ tenant: world.tenant, limit: 100 })));
    assert.equal(audited.size, 1 + 12 + 1);
    calls.forEach((call, i) => assert.equal(audited.has(call.audit.id), results[i], `audit row of call ${i}`));
  });
  it('startSession: a REVOKED or unknown signing key is key_revoked, and nothing is written', async () => {
    const storage = s();
    if (!storage.startSession) return;
    const world = await addWorld(storage);
    await addSigningKey(storage, world.tenant, 'ACTIVE');
    assert.notEqual(await storage.revokeSigningKey(world.tenant, world.signingKey.kid, { force: true, now: at(0) }), 'not_found');
    const refused = [
      { jti: jtiRecord(world), session: sessionRecord(world), audit: auditRecord(world.tenant) },
      { jti: jtiRecord(world, { kid: 'kid-nobody-has' }), session: sessionRecord(world, { signingKid: 'kid-nobody-has' }), audit: auditRecord(world.tenant) },
    ];
    for (const call of refused) {
      assert.equal(await storage.startSession(call), 'key_revoked');
      assert.equal(await storage.getSession(call.session.sid), null);
      assert.equal(await storage.reserveJti(call.jti), true, 'the jti was not spent');
    }
    assert.deepEqual(await storage.listAudit({ tenant: world.tenant, limit: 10 }), []);
  });

  it('startSession: exchanges racing a revoke and its revokeSessionsBySigningKey leave no live session of the key', async () => {
    const storage = s();
    if (!storage.startSession) return;
    // A few rounds: where the revoke lands among the exchanges differs from one to the next.
    for (let round = 0; round < 4; round += 1) await raceOneRevoke(storage);
  });
  const raceOneRevoke = async (storage: ReturnType<typeof s>) => {
    const world = await addWorld(storage);
    await addSigningKey(storage, world.tenant, 'ACTIVE');
    const calls = times(40, () => ({
      jti: jtiRecord(world),
      session: sessionRecord(world),
      audit: auditRecord(world.tenant),
    }));
    const revoke = async () => {
      await storage.revokeSigningKey(world.tenant, world.signingKey.kid, { force: true, now: at(SECOND) });
      return storage.revokeSessionsBySigningKey(world.tenant, world.signingKey.kid, at(SECOND));
    };
    // Exchanges before, beside and after the revoke, so some are stored before it and some are refused after it.
    const early = calls.slice(0, 20).map((call) => storage.startSession!(call));
    const revoked = revoke();
    const late = calls.slice(20).map((call) => storage.startSession!(call));
    const results = await Promise.all([...early, ...late]);
    await revoked;
    for (const [i, call] of calls.entries()) {
      const stored = await storage.getSession(call.session.sid);
      if (results[i] === true) assert.ok(stored?.revokedAt, `the session of call ${i} outlived the revoke`);
      else assert.equal(stored, null, `call ${i} answered ${String(results[i])} and stored its session`);
    }
    assert.ok(results.every((result) => result === true || result === 'key_revoked'), JSON.stringify(results));
    // Once the revoke returned, every exchange of the key is refused.
    assert.equal(await storage.startSession!({ jti: jtiRecord(world), session: sessionRecord(world), audit: auditRecord(world.tenant) }), 'key_revoked');
  };

  it('startSession: copies of the same 60 jtis in four turns, in alternating order, all answer: one winner per jti, no error', async () => {
    const storage = s();
    if (!storage.startSession) return;
    const world = await addWorld(storage);
    // Replays reaching the storage in consecutive turns form batches that run side by side on SQL storages; a batch
    // that took its jtis in another order than the one beside it deadlocked on Postgres, and an exchange could fail.
    for (let round = 0; round < 5; round += 1) {
      const results = await startSessionsInTurns(storage, world, 60);
      assert.equal(results.filter((result) => result === true).length, 60, `round ${round}`);
      assert.equal(results.filter((result) => result === false).length, 180, `round ${round}`);
    }
  });

  it('startSession: an exchange whose rows cannot be stored (its sid is taken) fails alone and keeps its jti; those beside it are stored', async () => {
    const storage = s();
    if (!storage.startSession) return;
    const world = await addWorld(storage);
    const jtiOf = (jti: string) => jtiRecord(world, { jti });
    const taken = sessionRecord(world);
    await storage.createSession(taken);
    const bad = { jti: jtiOf(unique('jti-bad-')), session: { ...sessionRecord(world), sid: taken.sid }, audit: auditRecord(world.tenant) };
    const good = times(8, () => ({ jti: jtiOf(unique('jti-good-')), session: sessionRecord(world), audit: auditRecord(world.tenant) }));
    // Started together, so that the bad one shares whatever batch the storage forms with the good ones.
    const settled = await Promise.allSettled([...good.slice(0, 4), bad, ...good.slice(4)].map((call) => storage.startSession!(call)));
    assert.equal(settled[4].status, 'rejected', 'the exchange with a taken sid fails');
    const others = [...settled.slice(0, 4), ...settled.slice(5)];
    assert.deepEqual(others.map((r) => (r.status === 'fulfilled' ? r.value : r.reason)), times(8, () => true));
    for (const call of good) assert.notEqual(await storage.getSession(call.session.sid), null);
    const audited = new Set(ids(await storage.listAudit({ tenant: world.tenant, limit: 50 })));
    assert.deepEqual([...audited].sort(), good.map((call) => call.audit.id).sort(), 'audit rows of the stored exchanges only');
    // Nothing of the failed exchange was kept: its jti is still unspent.
    assert.equal(await storage.startSession({ jti: bad.jti, session: sessionRecord(world), audit: auditRecord(world.tenant) }), true);
  });
};

export const magicLinkCases: Section = (it, s) => {
  const linkFor = async (patch: Partial<MagicLinkToken> = {}) => {
    const world = await addWorld(s());
    const link = magicLinkRecord(world.tenant, world.embedKey.id, patch);
    await s().createMagicLink(link);
    const consume = { tokenHash: link.tokenHash, tenant: link.tenant, embedKeyId: link.embedKeyId, now: at(MINUTE) };
    return { world, link, consume };
  };

  it('getMagicLink: returns the stored record, null for an unknown hash', async () => {
    const { link } = await linkFor();
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    assert.equal(await s().getMagicLink(tokenHash()), null);
  });

  it('consumeMagicLink: returns the token marked used at now', async () => {
    const { link, consume } = await linkFor();
    const used = { ...link, usedAt: at(MINUTE) };
    assert.deepEqual(await s().consumeMagicLink(consume), used);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), used);
  });

  it('consumeMagicLink: a second consume is refused', async () => {
    const { link, consume } = await linkFor();
    assert.notEqual(await s().consumeMagicLink(consume), null);
    assert.equal(await s().consumeMagicLink({ ...consume, now: at(2 * MINUTE) }), null);
    assert.deepEqual((await s().getMagicLink(link.tokenHash))?.usedAt, at(MINUTE));
  });

  it('consumeMagicLink: an expired token is refused (expiresAt <= now) and stays unused', async () => {
    const { link, consume } = await linkFor();
    assert.equal(await s().consumeMagicLink({ ...consume, now: link.expiresAt }), null);
    assert.equal(await s().consumeMagicLink({ ...consume, now: at(HOUR) }), null);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    const lastMoment = new Date(link.expiresAt.getTime() - 1);
    assert.deepEqual(await s().consumeMagicLink({ ...consume, now: lastMoment }), { ...link, usedAt: lastMoment });
  });

  it('consumeMagicLink: another tenant cannot consume the token, which stays usable', async () => {
    const { link, consume } = await linkFor();
    const other = await addWorld(s());
    assert.equal(await s().consumeMagicLink({ ...consume, tenant: other.tenant, embedKeyId: other.embedKey.id }), null);
    assert.equal(await s().consumeMagicLink({ ...consume, tenant: other.tenant }), null);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    assert.notEqual(await s().consumeMagicLink(consume), null);
  });

  it('consumeMagicLink: another embed key of the tenant cannot consume the token, which stays usable', async () => {
    const { world, link, consume } = await linkFor();
    const otherKey = await addEmbedKey(s(), world.tenant);
    assert.equal(await s().consumeMagicLink({ ...consume, embedKeyId: otherKey.id }), null);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    assert.notEqual(await s().consumeMagicLink(consume), null);
  });

  it('consumeMagicLink: an unknown token is refused', async () => {
    const { consume } = await linkFor();
    assert.equal(await s().consumeMagicLink({ ...consume, tokenHash: tokenHash() }), null);
  });

  it('consumeMagicLink: of 25 concurrent consumes of one token exactly one gets it', async () => {
    const { link, consume } = await linkFor();
    const results = await Promise.all(times(25, () => s().consumeMagicLink(consume)));
    const winners = results.filter((result) => result !== null);
    assert.equal(winners.length, 1);
    assert.deepEqual(winners[0], { ...link, usedAt: at(MINUTE) });
  });
};
