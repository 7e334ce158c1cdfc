// Tenant signing keys: promotion and revocation, concurrent ones included.
import assert from 'node:assert/strict';
import type { SigningKey } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import { MINUTE, HOUR, at, unique, times, addTenant, addSigningKey } from './fixtures.js';

export const signingKeyCases: Section = (it, s) => {
  const statuses = async (tenant: string) =>
    Object.fromEntries((await s().listSigningKeys(tenant)).map((key) => [key.kid, key.status]));

  it('getSigningKey: returns the key as stored, null under another tenant or for an unknown kid', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const key = await addSigningKey(s(), a, 'NEXT');
    const rsa: SigningKey = {
      ...key,
      kid: unique('sk_'),
      alg: 'RS256',
      sealedSecret: null,
      publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
    };
    await s().createSigningKey(rsa);
    assert.deepEqual(await s().getSigningKey(a, key.kid), key);
    assert.deepEqual(await s().getSigningKey(a, rsa.kid), rsa);
    assert.equal(await s().getSigningKey(b, key.kid), null);
    assert.equal(await s().getSigningKey(a, unique('sk_')), null);
  });

  it("listSigningKeys: oldest first, the tenant's keys only", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const newer = await addSigningKey(s(), a, 'NEXT', at(2 * HOUR));
    const older = await addSigningKey(s(), a, 'ACTIVE', at(HOUR));
    await addSigningKey(s(), b, 'ACTIVE');
    assert.deepEqual(await s().listSigningKeys(a), [older, newer]);
  });

  it('promoteSigningKey: a NEXT key becomes ACTIVE and the ACTIVE key becomes RETIRING', async () => {
    const tenant = await addTenant(s());
    const other = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const retiring = await addSigningKey(s(), tenant, 'RETIRING', at(2));
    const next = await addSigningKey(s(), tenant, 'NEXT', at(3));
    const otherActive = await addSigningKey(s(), other, 'ACTIVE');
    const promoted = await s().promoteSigningKey(tenant, next.kid, at(5 * MINUTE));
    assert.deepEqual(promoted, { ...next, status: 'ACTIVE', promotedAt: at(5 * MINUTE) });
    assert.deepEqual(await statuses(tenant), {
      [active.kid]: 'RETIRING',
      [retiring.kid]: 'RETIRING',
      [next.kid]: 'ACTIVE',
    });
    assert.equal((await s().getSigningKey(other, otherActive.kid))?.status, 'ACTIVE');
  });

  it('promoteSigningKey: the first key of a tenant is promoted without an ACTIVE key', async () => {
    const tenant = await addTenant(s());
    const next = await addSigningKey(s(), tenant, 'NEXT');
    assert.deepEqual(await s().promoteSigningKey(tenant, next.kid, at(MINUTE)), {
      ...next,
      status: 'ACTIVE',
      promotedAt: at(MINUTE),
    });
  });

  it('promoteSigningKey: not_next for ACTIVE, RETIRING and REVOKED keys, and nothing changes', async () => {
    const tenant = await addTenant(s());
    const keys = [
      await addSigningKey(s(), tenant, 'ACTIVE', at(1)),
      await addSigningKey(s(), tenant, 'RETIRING', at(2)),
      await addSigningKey(s(), tenant, 'REVOKED', at(3)),
    ];
    for (const key of keys) assert.equal(await s().promoteSigningKey(tenant, key.kid, at(MINUTE)), 'not_next');
    assert.deepEqual(await s().listSigningKeys(tenant), keys);
  });

  it("promoteSigningKey: not_found for an unknown kid and for another tenant's kid", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const next = await addSigningKey(s(), a, 'NEXT');
    assert.equal(await s().promoteSigningKey(a, unique('sk_'), at(MINUTE)), 'not_found');
    assert.equal(await s().promoteSigningKey(b, next.kid, at(MINUTE)), 'not_found');
    assert.equal((await s().getSigningKey(a, next.kid))?.status, 'NEXT');
  });

  it('promoteSigningKey: of two NEXT keys promoted concurrently exactly one is ACTIVE afterwards', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const first = await addSigningKey(s(), tenant, 'NEXT', at(2));
    const second = await addSigningKey(s(), tenant, 'NEXT', at(3));
    const results = await Promise.all([
      s().promoteSigningKey(tenant, first.kid, at(MINUTE)),
      s().promoteSigningKey(tenant, second.kid, at(MINUTE)),
    ]);
    for (const result of results) assert.ok(typeof result === 'object', `unexpected ${String(result)}`);
    const after = await statuses(tenant);
    assert.equal(Object.values(after).filter((status) => status === 'ACTIVE').length, 1);
    assert.equal(after[active.kid], 'RETIRING');
    assert.deepEqual([after[first.kid], after[second.kid]].sort(), ['ACTIVE', 'RETIRING']);
  });

  it('promoteSigningKey: of two concurrent promotions of one key one wins and the other gets not_next', async () => {
    const tenant = await addTenant(s());
    await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const next = await addSigningKey(s(), tenant, 'NEXT', at(2));
    const results = await Promise.all(times(2, () => s().promoteSigningKey(tenant, next.kid, at(MINUTE))));
    assert.equal(results.filter((result) => result === 'not_next').length, 1);
    assert.equal(results.filter((result) => typeof result === 'object').length, 1);
    assert.equal((await s().getSigningKey(tenant, next.kid))?.status, 'ACTIVE');
  });

  it('revokeSigningKey: marks the key REVOKED at now when another key still verifies', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const retiring = await addSigningKey(s(), tenant, 'RETIRING', at(2));
    const revoked = await s().revokeSigningKey(tenant, retiring.kid, { force: false, now: at(HOUR) });
    assert.deepEqual(revoked, { ...retiring, status: 'REVOKED', revokedAt: at(HOUR) });
    assert.deepEqual(await s().getSigningKey(tenant, retiring.kid), revoked);
    assert.equal((await s().getSigningKey(tenant, active.kid))?.status, 'ACTIVE');
  });

  it('revokeSigningKey: refuses the last verifying key without force; REVOKED keys do not count', async () => {
    const tenant = await addTenant(s());
    await addSigningKey(s(), tenant, 'REVOKED', at(1));
    const next = await addSigningKey(s(), tenant, 'NEXT', at(2));
    assert.equal(await s().revokeSigningKey(tenant, next.kid, { force: false, now: at(HOUR) }), 'last_key');
    assert.deepEqual(await s().getSigningKey(tenant, next.kid), next);
  });

  it('revokeSigningKey: force revokes the last verifying key', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE');
    const revoked = await s().revokeSigningKey(tenant, active.kid, { force: true, now: at(HOUR) });
    assert.deepEqual(revoked, { ...active, status: 'REVOKED', revokedAt: at(HOUR) });
  });

  it('revokeSigningKey: revoking a REVOKED key returns it unchanged', async () => {
    const tenant = await addTenant(s());
    await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const revoked = await addSigningKey(s(), tenant, 'REVOKED', at(2));
    assert.deepEqual(await s().revokeSigningKey(tenant, revoked.kid, { force: false, now: at(HOUR) }), revoked);
    assert.deepEqual(await s().getSigningKey(tenant, revoked.kid), revoked);
  });

  it("revokeSigningKey: not_found for an unknown kid and for another tenant's kid", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const key = await addSigningKey(s(), a, 'RETIRING');
    await addSigningKey(s(), b, 'ACTIVE');
    assert.equal(await s().revokeSigningKey(a, unique('sk_'), { force: true, now: at(HOUR) }), 'not_found');
    assert.equal(await s().revokeSigningKey(b, key.kid, { force: true, now: at(HOUR) }), 'not_found');
    assert.deepEqual(await s().getSigningKey(a, key.kid), key);
  });

  it('revokeSigningKey: of concurrent revokes of the last two verifying keys without force one stays', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const retiring = await addSigningKey(s(), tenant, 'RETIRING', at(2));
    const results = await Promise.all(
      [active, retiring].map((key) => s().revokeSigningKey(tenant, key.kid, { force: false, now: at(HOUR) })),
    );
    assert.equal(results.filter((result) => result === 'last_key').length, 1);
    const verifying = (await s().listSigningKeys(tenant)).filter((key) => key.status !== 'REVOKED');
    assert.equal(verifying.length, 1);
  });
};
