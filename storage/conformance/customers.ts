// Customers: upsert, email uniqueness and lookups.
import assert from 'node:assert/strict';
import type { Customer } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import { SECOND, MINUTE, HOUR, at, unique, times, addTenant, addCustomer, customerOf, ids } from './fixtures.js';

export const customerCases: Section = (it, s) => {
  it('upsertCustomer: creates the customer on first sight with newId', async () => {
    const tenant = await addTenant(s());
    const id = unique('cus_');
    const result = await s().upsertCustomer(
      { tenant, externalId: 'user-42', newId: id, email: 'Ann@Example.com', name: 'Ann', now: at(SECOND) },
      'keep',
    );
    const expected: Customer = {
      id,
      tenant,
      externalId: 'user-42',
      email: 'Ann@Example.com',
      name: 'Ann',
      createdAt: at(SECOND),
      updatedAt: at(SECOND),
    };
    assert.deepEqual(result, { customer: expected, created: true, emailTaken: false });
    assert.deepEqual(await s().getCustomer(tenant, id), expected);
    assert.deepEqual(await s().getCustomerByExternalId(tenant, 'user-42'), expected);
  });

  it('upsertCustomer: a later call updates the same record and ignores newId', async () => {
    const tenant = await addTenant(s());
    const first = await addCustomer(s(), tenant, { externalId: 'user-1', email: 'a@example.com', name: 'A' });
    const result = customerOf(
      await s().upsertCustomer(
        { tenant, externalId: 'user-1', newId: unique('cus_'), email: 'b@example.com', name: 'B', now: at(HOUR) },
        'fail',
      ),
    );
    assert.equal(result.created, false);
    assert.equal(result.emailTaken, false);
    assert.deepEqual(result.customer, { ...first, email: 'b@example.com', name: 'B', updatedAt: at(HOUR) });
    assert.deepEqual(await s().getCustomer(tenant, first.id), result.customer);
    assert.deepEqual(await s().listCustomers(tenant, {}), [result.customer]);
  });

  it('upsertCustomer: undefined leaves a field as it is, null clears it', async () => {
    const tenant = await addTenant(s());
    const customer = await addCustomer(s(), tenant, { email: 'keep@example.com', name: 'Kept' });
    const input = { tenant, externalId: customer.externalId, newId: unique('cus_'), now: at(HOUR) };
    const untouched = customerOf(await s().upsertCustomer(input, 'fail'));
    assert.equal(untouched.customer.email, 'keep@example.com');
    assert.equal(untouched.customer.name, 'Kept');
    const cleared = customerOf(await s().upsertCustomer({ ...input, email: null, name: null }, 'fail'));
    assert.equal(cleared.customer.email, null);
    assert.equal(cleared.customer.name, null);
    assert.deepEqual(await s().getCustomer(tenant, customer.id), cleared.customer);
  });

  it("upsertCustomer: with onEmailTaken 'keep' an email held by another customer stays where it is", async () => {
    const tenant = await addTenant(s());
    const holder = await addCustomer(s(), tenant, { email: 'Ann@Example.com' });
    const other = await addCustomer(s(), tenant, { email: 'other@example.com', name: 'Old' });
    const updated = customerOf(
      await s().upsertCustomer(
        {
          tenant,
          externalId: other.externalId,
          newId: unique('cus_'),
          email: 'ann@example.COM',
          name: 'New',
          now: at(HOUR),
        },
        'keep',
      ),
    );
    assert.equal(updated.emailTaken, true);
    assert.equal(updated.customer.email, 'other@example.com');
    assert.equal(updated.customer.name, 'New');
    const created = customerOf(
      await s().upsertCustomer(
        { tenant, externalId: unique('ext-'), newId: unique('cus_'), email: 'ANN@example.com', now: at(HOUR) },
        'keep',
      ),
    );
    assert.equal(created.created, true);
    assert.equal(created.emailTaken, true);
    assert.equal(created.customer.email, null);
    assert.equal((await s().getCustomerByEmail(tenant, 'ann@example.com'))?.id, holder.id);
  });

  it("upsertCustomer: with onEmailTaken 'fail' an email held by another customer changes nothing", async () => {
    const tenant = await addTenant(s());
    await addCustomer(s(), tenant, { email: 'Ann@Example.com' });
    const other = await addCustomer(s(), tenant, { email: 'other@example.com', name: 'Old' });
    const update = { tenant, externalId: other.externalId, newId: unique('cus_'), name: 'New', now: at(HOUR) };
    assert.equal(await s().upsertCustomer({ ...update, email: 'ann@EXAMPLE.com' }, 'fail'), 'email_taken');
    assert.deepEqual(await s().getCustomer(tenant, other.id), other);
    const externalId = unique('ext-');
    const create = { tenant, externalId, newId: unique('cus_'), email: 'ANN@example.com', now: at(HOUR) };
    assert.equal(await s().upsertCustomer(create, 'fail'), 'email_taken');
    assert.equal(await s().getCustomerByExternalId(tenant, externalId), null);
    assert.equal((await s().listCustomers(tenant, {})).length, 2);
  });

  it('upsertCustomer: a customer may change the case of its own email', async () => {
    const tenant = await addTenant(s());
    const customer = await addCustomer(s(), tenant, { email: 'ann@example.com' });
    const result = customerOf(
      await s().upsertCustomer(
        { tenant, externalId: customer.externalId, newId: unique('cus_'), email: 'ANN@example.com', now: at(HOUR) },
        'fail',
      ),
    );
    assert.equal(result.emailTaken, false);
    assert.equal(result.customer.email, 'ANN@example.com');
  });

  it('upsertCustomer: an email given up by one customer can be taken by another', async () => {
    const tenant = await addTenant(s());
    const first = await addCustomer(s(), tenant, { email: 'move@example.com' });
    await s().upsertCustomer(
      { tenant, externalId: first.externalId, newId: unique('cus_'), email: null, now: at(HOUR) },
      'fail',
    );
    const second = await addCustomer(s(), tenant, { email: 'Move@example.com', now: at(2 * HOUR) });
    assert.equal(second.email, 'Move@example.com');
    assert.equal((await s().getCustomerByEmail(tenant, 'move@example.com'))?.id, second.id);
  });

  it('upsertCustomer: the same email and externalId in another tenant are another customer', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const inA = await addCustomer(s(), a, { externalId: 'user-1', email: 'ann@example.com' });
    const inB = await addCustomer(s(), b, { externalId: 'user-1', email: 'ann@example.com' });
    assert.notEqual(inA.id, inB.id);
    assert.equal(inB.tenant, b);
    assert.deepEqual(await s().getCustomer(a, inA.id), inA);
  });

  it('upsertCustomer: of 20 concurrent upserts of a new externalId exactly one creates and all get it', async () => {
    const tenant = await addTenant(s());
    const externalId = unique('ext-');
    const results = await Promise.all(
      times(20, (i) =>
        s().upsertCustomer(
          { tenant, externalId, newId: `cus_race_${i}`, email: 'Race@example.com', name: 'Racer', now: at(MINUTE) },
          'fail',
        ),
      ),
    ).then((all) => all.map(customerOf));
    assert.equal(results.filter((result) => result.created).length, 1);
    assert.ok(results.every((result) => !result.emailTaken));
    const id = results[0].customer.id;
    assert.ok(results.every((result) => result.customer.id === id));
    assert.match(id, /^cus_race_\d+$/);
    const listed = await s().listCustomers(tenant, {});
    assert.deepEqual(ids(listed), [id]);
    assert.equal(listed[0].email, 'Race@example.com');
  });

  it('createCustomer: creates a new customer; a taken externalId or email changes no row', async () => {
    const tenant = await addTenant(s());
    const holder = await addCustomer(s(), tenant, { externalId: 'old@example.com', email: 'new@example.com' });
    const input = { tenant, newId: unique('cus_'), now: at(MINUTE) };
    assert.equal(await s().createCustomer({ ...input, externalId: 'old@example.com', email: 'old@example.com' }), 'external_id_taken');
    assert.equal(await s().createCustomer({ ...input, externalId: 'other', email: 'NEW@example.com' }), 'email_taken');
    assert.deepEqual(await s().getCustomer(tenant, holder.id), holder);
    const created = await s().createCustomer({ ...input, externalId: 'ml_1', email: 'old@example.com' });
    assert.notEqual(typeof created, 'string');
    assert.deepEqual(await s().getCustomerByEmail(tenant, 'old@example.com'), created);
    assert.equal(await s().getCustomerByExternalId(tenant, 'other'), null);
  });

  it('createCustomer: of 20 concurrent creates of one email exactly one succeeds', async () => {
    const tenant = await addTenant(s());
    const results = await Promise.all(
      times(20, (i) => s().createCustomer({ tenant, externalId: `ext-${i}`, newId: unique('cus_'), email: 'race@example.com', now: at(SECOND) })),
    );
    assert.equal(results.filter((r) => typeof r !== 'string').length, 1);
    assert.equal(results.filter((r) => r === 'email_taken').length, 19);
    assert.equal((await s().listCustomers(tenant, {})).length, 1);
  });

  it('getCustomerByEmail: matches case-insensitively within the tenant only', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const customer = await addCustomer(s(), a, { email: 'Ann.Lee@Example.com' });
    assert.deepEqual(await s().getCustomerByEmail(a, 'ann.lee@example.COM'), customer);
    assert.equal(await s().getCustomerByEmail(b, 'ann.lee@example.com'), null);
    assert.equal(await s().getCustomerByEmail(a, 'ann@example.com'), null);
  });

  it('getCustomer, getCustomerByExternalId: null for unknown ids and under another tenant', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const customer = await addCustomer(s(), a);
    assert.equal(await s().getCustomer(b, customer.id), null);
    assert.equal(await s().getCustomerByExternalId(b, customer.externalId), null);
    assert.equal(await s().getCustomer(a, unique('cus_')), null);
    assert.equal(await s().getCustomerByExternalId(a, unique('ext-')), null);
  });

  it('listCustomers: ordered by createdAt then id, email filter case-insensitive, tenant only', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const p = unique('cus_');
    const late = await addCustomer(s(), a, { id: `${p}b`, now: at(2 * HOUR), email: 'Shared@example.com' });
    const tie = await addCustomer(s(), a, { id: `${p}a`, now: at(2 * HOUR) });
    const early = await addCustomer(s(), a, { id: `${p}c`, now: at(HOUR) });
    await addCustomer(s(), b, { email: 'shared@example.com' });
    assert.deepEqual(await s().listCustomers(a, {}), [early, tie, late]);
    assert.deepEqual(await s().listCustomers(a, { email: 'SHARED@example.com' }), [late]);
    assert.deepEqual(await s().listCustomers(a, { email: 'nobody@example.com' }), []);
  });
};
