// Tenants and embed keys.
import assert from 'node:assert/strict';
import type { Tenant } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import { at, unique, times, tenantRecord, addTenant, addEmbedKey } from './fixtures.js';

export const tenantCases: Section = (it, s) => {
  it('init: a second init is harmless and ping resolves', async () => {
    await s().init();
    await s().ping();
  });

  it('createTenant: stores the tenant and getTenant returns it as stored', async () => {
    const tenant = tenantRecord(unique('t-'));
    assert.equal(await s().createTenant(tenant), true);
    assert.deepEqual(await s().getTenant(tenant.slug), tenant);
  });

  it('createTenant: returns false for an existing slug and keeps the first tenant', async () => {
    const slug = unique('t-');
    assert.equal(await s().createTenant(tenantRecord(slug, 'First')), true);
    assert.equal(await s().createTenant(tenantRecord(slug, 'Second')), false);
    assert.equal((await s().getTenant(slug))?.name, 'First');
  });

  it('createTenant: of 10 concurrent creates of one slug exactly one returns true', async () => {
    const slug = unique('t-');
    const results = await Promise.all(times(10, (i) => s().createTenant(tenantRecord(slug, `Racer ${i}`))));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await s().getTenant(slug))?.name, `Racer ${results.indexOf(true)}`);
  });

  it('getTenant: returns null for an unknown slug', async () => {
    assert.equal(await s().getTenant(unique('t-')), null);
  });

  it('listTenants: includes every created tenant as stored', async () => {
    const first = tenantRecord(unique('t-'));
    const second: Tenant = { ...tenantRecord(unique('t-'), 'Bare'), branding: {}, magicLink: {} };
    await s().createTenant(first);
    await s().createTenant(second);
    const listed = await s().listTenants();
    assert.deepEqual(listed.find((t) => t.slug === first.slug), first);
    assert.deepEqual(listed.find((t) => t.slug === second.slug), second);
  });
};

export const embedKeyCases: Section = (it, s) => {
  it('createEmbedKey: getEmbedKey returns the key as stored, null for an unknown id', async () => {
    const tenant = await addTenant(s());
    const key = await addEmbedKey(s(), tenant, { mode: 'live', id: unique('ek_live_') });
    assert.deepEqual(await s().getEmbedKey(key.id), key);
    assert.equal(await s().getEmbedKey(unique('ek_live_')), null);
  });

  it("listEmbedKeys: returns the tenant's keys only", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const first = await addEmbedKey(s(), a, { createdAt: at(1) });
    const second = await addEmbedKey(s(), a, { createdAt: at(2), status: 'REVOKED' });
    await addEmbedKey(s(), b);
    assert.deepEqual(
      (await s().listEmbedKeys(a)).sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime()),
      [first, second],
    );
  });

  it('updateEmbedKey: replaces the allowlist and the status', async () => {
    const tenant = await addTenant(s());
    const key = await addEmbedKey(s(), tenant);
    const origins = ['https://shop.acme.example', 'http://localhost:3000'];
    const updated = await s().updateEmbedKey(tenant, key.id, { allowedOrigins: origins });
    assert.deepEqual(updated, { ...key, allowedOrigins: origins });
    const revoked = await s().updateEmbedKey(tenant, key.id, { status: 'REVOKED' });
    assert.deepEqual(revoked, { ...key, allowedOrigins: origins, status: 'REVOKED' });
    assert.deepEqual(await s().getEmbedKey(key.id), revoked);
  });

  it("updateEmbedKey: returns null for another tenant's key and changes nothing", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const key = await addEmbedKey(s(), a);
    const result = await s().updateEmbedKey(b, key.id, { allowedOrigins: ['https://evil.example'], status: 'REVOKED' });
    assert.equal(result, null);
    assert.deepEqual(await s().getEmbedKey(key.id), key);
    assert.equal(await s().updateEmbedKey(a, unique('ek_test_'), { status: 'REVOKED' }), null);
  });

  it('isOriginAllowedByAnyKey: true only while an ACTIVE key lists the exact origin', async () => {
    const tenant = await addTenant(s());
    const origin = `https://${unique('cors-')}.example`;
    assert.equal(await s().isOriginAllowedByAnyKey(origin), false);
    await addEmbedKey(s(), tenant, { allowedOrigins: [`${origin}:8443`], status: 'ACTIVE' });
    await addEmbedKey(s(), tenant, { allowedOrigins: [origin], status: 'REVOKED' });
    assert.equal(await s().isOriginAllowedByAnyKey(origin), false);
    const key = await addEmbedKey(s(), tenant, { allowedOrigins: ['https://other.example', origin] });
    assert.equal(await s().isOriginAllowedByAnyKey(origin), true);
    await s().updateEmbedKey(tenant, key.id, { status: 'REVOKED' });
    assert.equal(await s().isOriginAllowedByAnyKey(origin), false);
  });
};
