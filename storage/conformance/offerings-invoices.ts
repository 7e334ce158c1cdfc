// Offerings and invoices: replacement, ordering and cursors.
import assert from 'node:assert/strict';
import type { Invoice, Offering } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import {
  HOUR,
  DAY,
  at,
  unique,
  addTenant,
  addCustomer,
  addWorld,
  invoiceRecord,
  offeringRecord,
  ids,
  times,
} from './fixtures.js';

/** A put that must store: anything but the invoice back fails the test. */
async function stored(put: Promise<Invoice | 'other_customer'>): Promise<Invoice> {
  const result = await put;
  assert.notEqual(result, 'other_customer');
  return result as Invoice;
}

export const offeringAndInvoiceCases: Section = (it, s) => {
  it('putOffering: inserts, then replaces the same (tenant, id)', async () => {
    const tenant = await addTenant(s());
    const offering = offeringRecord(tenant);
    assert.deepEqual(await s().putOffering(offering), offering);
    const replaced: Offering = { ...offering, name: 'Pro+', status: 'ARCHIVED', ratePlans: [], position: 3, updatedAt: at(HOUR) };
    assert.deepEqual(await s().putOffering(replaced), replaced);
    assert.deepEqual(await s().listOfferings(tenant, {}), [replaced]);
  });

  it('listOfferings: ordered by name then id, filtered by status, tenant only', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const p = unique('off_');
    const pro2 = await s().putOffering(offeringRecord(a, { id: `${p}2`, name: 'Pro' }));
    const basic = await s().putOffering(offeringRecord(a, { id: `${p}3`, name: 'Basic', status: 'DRAFT' }));
    const pro1 = await s().putOffering(offeringRecord(a, { id: `${p}1`, name: 'Pro' }));
    await s().putOffering(offeringRecord(b));
    assert.deepEqual(await s().listOfferings(a, {}), [basic, pro1, pro2]);
    assert.deepEqual(await s().listOfferings(a, { status: 'PUBLISHED' }), [pro1, pro2]);
    assert.deepEqual(await s().listOfferings(a, { status: 'ARCHIVED' }), []);
  });

  it('listOfferings: ordered by position first (ascending), then name, then id', async () => {
    const a = await addTenant(s());
    const p = unique('off_');
    const enterprise = await s().putOffering(offeringRecord(a, { id: `${p}e`, name: 'Enterprise', position: 30 }));
    const starter = await s().putOffering(offeringRecord(a, { id: `${p}s`, name: 'Starter', position: 0 }));
    const pro = await s().putOffering(offeringRecord(a, { id: `${p}p`, name: 'Pro', position: 20 }));
    const team = await s().putOffering(offeringRecord(a, { id: `${p}t`, name: 'Team', position: 20 }));
    const basic = await s().putOffering(offeringRecord(a, { id: `${p}b`, name: 'Basic', position: 5 }));
    assert.deepEqual(await s().listOfferings(a, {}), [starter, basic, pro, team, enterprise]);
    await s().putOffering({ ...enterprise, position: 0 });
    assert.deepEqual((await s().listOfferings(a, { status: 'PUBLISHED' })).map((o) => o.name), ['Enterprise', 'Starter', 'Basic', 'Pro', 'Team']);
  });

  it('putInvoice: inserts, then replaces the same (tenant, id)', async () => {
    const { tenant, customer } = await addWorld(s());
    const invoice = invoiceRecord(tenant, customer.id);
    assert.deepEqual(await s().putInvoice(invoice), invoice);
    const paid: Invoice = { ...invoice, status: 'PAID', amountPaidCents: 4900, dueAt: null, pdfUrl: null };
    assert.deepEqual(await s().putInvoice(paid), paid);
    assert.deepEqual(await s().listInvoices({ tenant, customerId: customer.id, limit: 10 }), [paid]);
  });

  it('putInvoice: an id that belongs to another customer is refused and stays with its customer', async () => {
    const { tenant, customer } = await addWorld(s());
    const other = await addCustomer(s(), tenant);
    const invoice = await stored(s().putInvoice(invoiceRecord(tenant, customer.id)));
    const moved: Invoice = { ...invoiceRecord(tenant, other.id, { id: invoice.id }), status: 'VOID' };
    assert.equal(await s().putInvoice(moved), 'other_customer');
    assert.deepEqual(await s().listInvoices({ tenant, customerId: customer.id, limit: 10 }), [invoice]);
    assert.deepEqual(await s().listInvoices({ tenant, customerId: other.id, limit: 10 }), []);
  });

  it('putInvoice: the same id under another tenant is another invoice', async () => {
    const first = await addWorld(s());
    const second = await addWorld(s());
    const invoice = invoiceRecord(first.tenant, first.customer.id);
    assert.deepEqual(await s().putInvoice(invoice), invoice);
    const twin = invoiceRecord(second.tenant, second.customer.id, { id: invoice.id });
    assert.deepEqual(await s().putInvoice(twin), twin);
  });

  it('putInvoice: of concurrent puts of one new id for different customers exactly one wins', async () => {
    const { tenant } = await addWorld(s());
    const customers = await Promise.all(times(10, () => addCustomer(s(), tenant)));
    const id = unique('in_');
    const results = await Promise.all(customers.map((c) => s().putInvoice(invoiceRecord(tenant, c.id, { id }))));
    const winners = results.filter((r): r is Invoice => r !== 'other_customer');
    assert.equal(winners.length, 1);
    assert.equal(results.filter((r) => r === 'other_customer').length, 9);
    const owner = winners[0].customerId;
    assert.deepEqual(ids(await s().listInvoices({ tenant, customerId: owner, limit: 10 })), [id]);
    for (const c of customers.filter((c) => c.id !== owner)) {
      assert.deepEqual(await s().listInvoices({ tenant, customerId: c.id, limit: 10 }), []);
    }
  });

  /** Five invoices: newest first they are e, d, c, b, a (c and b share issuedAt; c has the greater id). */
  async function invoiceLadder() {
    const world = await addWorld(s());
    const p = unique('in_');
    const put = (suffix: string, issuedAt: Date, status: Invoice['status']) =>
      stored(s().putInvoice(invoiceRecord(world.tenant, world.customer.id, { id: `${p}${suffix}`, issuedAt, status })));
    const b = await put('b', at(2 * DAY), 'PAID');
    const a = await put('a', at(DAY), 'PAID');
    const e = await put('e', at(4 * DAY), 'OPEN');
    const c = await put('c', at(2 * DAY), 'OPEN');
    const d = await put('d', at(3 * DAY), 'PAID');
    return { world, newestFirst: [e, d, c, b, a] };
  }

  it('listInvoices: newest issuedAt first, ties by id descending, filtered by status', async () => {
    const { world, newestFirst } = await invoiceLadder();
    const query = { tenant: world.tenant, customerId: world.customer.id, limit: 50 };
    assert.deepEqual(await s().listInvoices(query), newestFirst);
    assert.deepEqual(
      ids(await s().listInvoices({ ...query, status: 'PAID' })),
      ids(newestFirst.filter((invoice) => invoice.status === 'PAID')),
    );
    assert.deepEqual(await s().listInvoices({ ...query, status: 'VOID' }), []);
  });

  it('listInvoices: after returns only invoices strictly after the cursor; limit caps the page', async () => {
    const { world, newestFirst } = await invoiceLadder();
    const [e, d, c, b, a] = newestFirst;
    const query = { tenant: world.tenant, customerId: world.customer.id };
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2 })), ids([e, d]));
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2, after: d })), ids([c, b]));
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2, after: c })), ids([b, a]));
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2, after: a })), []);
    const cursor = { issuedAt: at(2 * DAY), id: `${c.id}0` };
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 10, after: cursor })), ids([c, b, a]));
    assert.deepEqual(
      ids(await s().listInvoices({ ...query, status: 'PAID', limit: 1, after: d })),
      ids([b]),
    );
  });

  it("listInvoices: only this customer's invoices of this tenant", async () => {
    const first = await addWorld(s());
    const second = await addWorld(s());
    const neighbour = await addCustomer(s(), first.tenant);
    const mine = await stored(s().putInvoice(invoiceRecord(first.tenant, first.customer.id)));
    await s().putInvoice(invoiceRecord(first.tenant, neighbour.id));
    await s().putInvoice(invoiceRecord(second.tenant, second.customer.id));
    const query = { customerId: first.customer.id, limit: 10 };
    assert.deepEqual(await s().listInvoices({ ...query, tenant: first.tenant }), [mine]);
    assert.deepEqual(await s().listInvoices({ ...query, tenant: second.tenant }), []);
  });
};
