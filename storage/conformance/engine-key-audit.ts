// The engine key and the audit log.
import assert from 'node:assert/strict';
import type { Section } from './fixtures.js';
import { MINUTE, at, unique, times, addTenant, addSigningKey, auditRecord, engineKeyRecord, ids } from './fixtures.js';

export const engineKeyAndAuditCases: Section = (it, s) => {
  it('saveEngineKeyIfAbsent: the first writer wins, also among 5 concurrent calls', async () => {
    // The engine key is global, so on a shared database one may already exist; then it must win over all.
    const existing = await s().getEngineKey();
    const candidates = times(5, () => engineKeyRecord());
    const results = await Promise.all(candidates.map((key) => s().saveEngineKeyIfAbsent(key)));
    const winner = existing ?? candidates.find((key) => key.kid === results[0].kid);
    assert.ok(winner, 'the stored key is none of the candidates');
    for (const result of results) assert.deepEqual(result, winner);
    assert.deepEqual(await s().getEngineKey(), winner);
    assert.deepEqual(await s().saveEngineKeyIfAbsent(engineKeyRecord()), winner);
  });

  it('resealSecret: the engine key and an HS256 secret change only from the value given, one winner among 5 racing', async () => {
    const engine = await s().saveEngineKeyIfAbsent(engineKeyRecord());
    const before = engine.sealedPrivateKey;
    assert.equal(await s().resealSecret({ engineKid: engine.kid }, `${before}x`, 'enc:v1:stale'), false);
    assert.equal(await s().resealSecret({ engineKid: `${engine.kid}x` }, before, 'enc:v1:other-kid'), false);
    assert.equal((await s().getEngineKey())?.sealedPrivateKey, before);
    assert.equal(await s().resealSecret({ engineKid: engine.kid }, before, 'enc:v1:sealed'), true);
    assert.deepEqual(await s().getEngineKey(), { ...engine, sealedPrivateKey: 'enc:v1:sealed' });
    // Put back as it was: on a shared database other suites start engines on this key.
    assert.equal(await s().resealSecret({ engineKid: engine.kid }, 'enc:v1:sealed', before), true);

    const tenant = await addTenant(s());
    const other = await addTenant(s());
    const key = await addSigningKey(s(), tenant, 'ACTIVE');
    const from = key.sealedSecret as string;
    assert.equal(await s().resealSecret({ tenant: other, kid: key.kid }, from, 'enc:v1:wrong-tenant'), false);
    assert.equal(await s().resealSecret({ tenant, kid: `${key.kid}x` }, from, 'enc:v1:unknown'), false);
    const won = await Promise.all(times(5, (i) => s().resealSecret({ tenant, kid: key.kid }, from, `enc:v1:racer-${i}`)));
    assert.equal(won.filter(Boolean).length, 1);
    const stored = await s().getSigningKey(tenant, key.kid);
    assert.deepEqual(stored, { ...key, sealedSecret: `enc:v1:racer-${won.indexOf(true)}` });
  });

  /** Newest first: e4, e3, e2 and e1 share `at` (e2 has the greater id), e0 oldest. */
  async function auditLadder() {
    const tenant = await addTenant(s());
    const p = unique('evt_');
    const add = async (suffix: string, offset: number, type: string) => {
      const event = auditRecord(tenant, { id: `${p}${suffix}`, at: at(offset), type });
      await s().appendAudit(event);
      return event;
    };
    const e2 = await add('2', 2 * MINUTE, 'session.created');
    const e0 = await add('0', 0, 'magic_link.requested');
    const e4 = await add('4', 4 * MINUTE, 'session.created');
    const e1 = await add('1', 2 * MINUTE, 'magic_link.requested');
    const e3 = await add('3', 3 * MINUTE, 'signing_key.revoked');
    return { tenant, newestFirst: [e4, e3, e2, e1, e0] };
  }

  it('listAudit: newest first, ties by id descending, tenant only', async () => {
    const { tenant, newestFirst } = await auditLadder();
    await s().appendAudit(auditRecord(await addTenant(s())));
    assert.deepEqual(await s().listAudit({ tenant, limit: 50 }), newestFirst);
  });

  it('listAudit: filters by type and by since', async () => {
    const { tenant, newestFirst } = await auditLadder();
    const [e4, e3, e2, e1] = newestFirst;
    assert.deepEqual(ids(await s().listAudit({ tenant, type: 'session.created', limit: 50 })), ids([e4, e2]));
    assert.deepEqual(ids(await s().listAudit({ tenant, since: at(MINUTE), limit: 50 })), ids([e4, e3, e2, e1]));
    assert.deepEqual(
      ids(await s().listAudit({ tenant, type: 'magic_link.requested', since: at(MINUTE), limit: 50 })),
      ids([e1]),
    );
    assert.deepEqual(ids(await s().listAudit({ tenant, type: 'nothing.happened', limit: 50 })), []);
  });

  it('listAudit: before returns only events strictly before the cursor; limit caps the page', async () => {
    const { tenant, newestFirst } = await auditLadder();
    const [e4, e3, e2, e1, e0] = newestFirst;
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2 })), ids([e4, e3]));
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2, before: e3 })), ids([e2, e1]));
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2, before: e2 })), ids([e1, e0]));
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2, before: e0 })), []);
    assert.deepEqual(
      ids(await s().listAudit({ tenant, type: 'session.created', limit: 5, before: e3 })),
      ids([e2]),
    );
  });
};
