import type { Storage } from '../../lib/storage.js';
import type { Customer } from '../../lib/types.js';
import { compare, copy, scoped } from './shared.js';

type UpsertInput = Parameters<Storage['upsertCustomer']>[0];
type UpsertResult = Awaited<ReturnType<Storage['upsertCustomer']>>;

const lower = (email: string): string => email.toLowerCase();

/** Every tenant's customers, indexed by externalId and by lower-cased email (both unique per tenant). */
export class CustomerTable {
  readonly #byId = new Map<string, Customer>();
  readonly #idByExternalId = new Map<string, string>();
  readonly #idByEmail = new Map<string, string>();

  upsert(input: UpsertInput, onEmailTaken: 'keep' | 'fail'): UpsertResult {
    // Lookup, email check and insert or update run with no await in between, so racing upserts of one
    // externalId serialise: the first inserts, every later one finds that record and updates it.
    const { tenant } = input;
    const existing = this.#find(tenant, this.#idByExternalId.get(scoped(tenant, input.externalId)));
    let emailTaken = false;
    if (typeof input.email === 'string') {
      const holder = this.#idByEmail.get(scoped(tenant, lower(input.email)));
      emailTaken = holder !== undefined && holder !== existing?.id;
    }
    if (emailTaken && onEmailTaken === 'fail') return 'email_taken';
    const email = input.email !== undefined && !emailTaken ? input.email : undefined;

    if (!existing) return { customer: this.#insert(input, email ?? null), created: true, emailTaken };

    let changed = false;
    if (email !== undefined && email !== existing.email) {
      if (existing.email !== null) this.#idByEmail.delete(scoped(tenant, lower(existing.email)));
      existing.email = email;
      this.#indexEmail(existing);
      changed = true;
    }
    if (input.name !== undefined && input.name !== existing.name) {
      existing.name = input.name;
      changed = true;
    }
    if (changed) existing.updatedAt = new Date(input.now);
    return { customer: copy(existing), created: false, emailTaken };
  }

  /** No await between the checks and the insert: racing creates of one externalId or email serialise. */
  create(input: Parameters<Storage['createCustomer']>[0]): Customer | 'external_id_taken' | 'email_taken' {
    const { tenant } = input;
    if (this.#idByExternalId.has(scoped(tenant, input.externalId))) return 'external_id_taken';
    if (this.#idByEmail.has(scoped(tenant, lower(input.email)))) return 'email_taken';
    return this.#insert(input, input.email);
  }

  get(tenant: string, id: string): Customer | null {
    return this.#copyOf(this.#find(tenant, id));
  }

  getByExternalId(tenant: string, externalId: string): Customer | null {
    return this.#copyOf(this.#find(tenant, this.#idByExternalId.get(scoped(tenant, externalId))));
  }

  getByEmail(tenant: string, email: string): Customer | null {
    return this.#copyOf(this.#find(tenant, this.#idByEmail.get(scoped(tenant, lower(email)))));
  }

  /** Ordered by createdAt then id. */
  list(tenant: string, filter: { email?: string }): Customer[] {
    const email = filter.email === undefined ? undefined : lower(filter.email);
    return [...this.#byId.values()]
      .filter((c) => c.tenant === tenant && (email === undefined || (c.email !== null && lower(c.email) === email)))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id))
      .map(copy);
  }

  #insert(input: Omit<UpsertInput, 'email'>, email: string | null): Customer {
    const customer: Customer = {
      id: input.newId,
      tenant: input.tenant,
      externalId: input.externalId,
      email,
      name: input.name ?? null,
      createdAt: new Date(input.now),
      updatedAt: new Date(input.now),
    };
    this.#byId.set(scoped(customer.tenant, customer.id), customer);
    this.#idByExternalId.set(scoped(customer.tenant, customer.externalId), customer.id);
    this.#indexEmail(customer);
    return copy(customer);
  }

  #find(tenant: string, id: string | undefined): Customer | undefined {
    return id === undefined ? undefined : this.#byId.get(scoped(tenant, id));
  }

  #copyOf(customer: Customer | undefined): Customer | null {
    return customer ? copy(customer) : null;
  }

  #indexEmail(customer: Customer): void {
    if (customer.email !== null) this.#idByEmail.set(scoped(customer.tenant, lower(customer.email)), customer.id);
  }
}
