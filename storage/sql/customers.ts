import type { Storage } from '../../lib/storage.js';
import type { Customer } from '../../lib/types.js';
import type { SqlDatabase } from './database.js';
import { ms, nullableMs } from './database.js';
import { isUniqueViolation } from './errors.js';
import type { Row } from './records.js';
import { CUSTOMER_COLUMNS, INVOICE_COLUMNS, OFFERING_COLUMNS } from './records.js';

type CustomerMethods = Pick<
  Storage,
  | 'upsertCustomer'
  | 'createCustomer'
  | 'getCustomer'
  | 'getCustomerByExternalId'
  | 'getCustomerByEmail'
  | 'listCustomers'
  | 'putOffering'
  | 'listOfferings'
  | 'putInvoice'
  | 'listInvoices'
>;

type UpsertInput = Parameters<Storage['upsertCustomer']>[0];

// Each round of upsertCustomer either settles or has lost a race it will see settled in the next round (a row that
// appeared between its update and its insert); a handful of rounds is far more than contention can use up.
const UPSERT_ROUNDS = 5;

const emailKey = (email: string | null): string | null => (email === null ? null : email.toLowerCase());
const EMAIL_TAKEN = 'email_taken' as const;

/** Customers, offerings and invoices. */
export function customerMethods(db: () => SqlDatabase): CustomerMethods {
  const customerFrom = (row: Row): Customer => db().records.customer(row);

  // First sight: INSERT … ON CONFLICT (tenant, external_id) DO NOTHING RETURNING. Of racing inserts of one
  // externalId the unique index admits exactly one; the others get no row back and go on to update that one,
  // so exactly one caller reports `created`.
  // The email's own unique index (tenant, email_key) is not the conflict target, so a taken email surfaces as a
  // unique violation of the whole statement, which then inserted nothing.
  const insert = async (input: UpsertInput, email: string | null): Promise<Customer | null | typeof EMAIL_TAKEN> => {
    try {
      const rows = await db().all(
        `insert into customers (tenant, id, external_id, email, email_key, name, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (tenant, external_id) do nothing returning ${CUSTOMER_COLUMNS}`,
        [input.tenant, input.newId, input.externalId, email, emailKey(email), input.name ?? null, ms(input.now), ms(input.now)],
      );
      return rows.length === 0 ? null : customerFrom(rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, 'customers', 'email_key')) return EMAIL_TAKEN;
      throw error;
    }
  };

  // One UPDATE … RETURNING: every given field at once, updatedAt only when a value really changes (compared against
  // the row's values before this statement). A taken email makes the statement fail whole: nothing changed.
  const update = async (input: UpsertInput, withEmail: boolean): Promise<Customer | null | typeof EMAIL_TAKEN> => {
    const sets: string[] = [];
    const params: unknown[] = [];
    const changes: string[] = [];
    const changeParams: unknown[] = [];
    if (withEmail) {
      const email = input.email ?? null;
      sets.push('email = ?', 'email_key = ?');
      params.push(email, emailKey(email));
      changes.push('email is distinct from ?');
      changeParams.push(email);
    }
    if (input.name !== undefined) {
      sets.push('name = ?');
      params.push(input.name);
      changes.push('name is distinct from ?');
      changeParams.push(input.name);
    }
    const where = [input.tenant, input.externalId];
    try {
      const rows =
        sets.length === 0
          ? await db().all(`select ${CUSTOMER_COLUMNS} from customers where tenant = ? and external_id = ?`, where)
          : await db().all(
              `update customers set ${sets.join(', ')},
               updated_at = case when ${changes.join(' or ')} then ? else updated_at end
               where tenant = ? and external_id = ? returning ${CUSTOMER_COLUMNS}`,
              [...params, ...changeParams, ms(input.now), ...where],
            );
      return rows.length === 0 ? null : customerFrom(rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, 'customers', 'email_key')) return EMAIL_TAKEN;
      throw error;
    }
  };

  const exists = async (tenant: string, externalId: string): Promise<boolean> =>
    (await db().all('select 1 as found from customers where tenant = ? and external_id = ?', [tenant, externalId]))
      .length > 0;

  return {
    async upsertCustomer(input, onEmailTaken) {
      // The common call is a returning customer whose given fields already hold exactly these values. It changes
      // nothing (the update below would leave the row, updatedAt included, as it is), so the record as it stands
      // is its answer: one read, without the write lock and without a commit.
      const [current] = await db().read(
        `select ${CUSTOMER_COLUMNS} from customers where tenant = ? and external_id = ?`,
        [input.tenant, input.externalId],
      );
      if (
        current !== undefined &&
        (input.email === undefined || current.email === input.email) &&
        (input.name === undefined || current.name === input.name)
      ) {
        return { customer: customerFrom(current), created: false, emailTaken: false };
      }

      // Otherwise the update comes first, then on first sight (it matched nothing) the insert; a racer's insert
      // landing in between is found by the next round's update.
      const withEmail = input.email !== undefined;
      for (let round = 0; round < UPSERT_ROUNDS; round += 1) {
        const updated = await update(input, withEmail);
        if (updated === EMAIL_TAKEN) {
          if (onEmailTaken === 'fail') return EMAIL_TAKEN;
          const kept = await update(input, false);
          if (kept !== null && kept !== EMAIL_TAKEN) return { customer: kept, created: false, emailTaken: true };
          continue;
        }
        if (updated !== null) return { customer: updated, created: false, emailTaken: false };

        const inserted = await insert(input, input.email ?? null);
        if (inserted === EMAIL_TAKEN) {
          // The holder may be this very externalId, inserted an instant ago by a racer: then this is an update,
          // done in the next round.
          if (!(await exists(input.tenant, input.externalId))) {
            if (onEmailTaken === 'fail') return EMAIL_TAKEN;
            const withoutEmail = await insert(input, null);
            if (withoutEmail !== null && withoutEmail !== EMAIL_TAKEN) {
              return { customer: withoutEmail, created: true, emailTaken: true };
            }
          }
        } else if (inserted !== null) {
          return { customer: inserted, created: true, emailTaken: false };
        }
      }
      throw new Error(`upsertCustomer did not settle after ${UPSERT_ROUNDS} rounds`);
    },
    async createCustomer(input) {
      // The same first-writer-wins insert as a first sight: no row back means the externalId exists; a unique
      // violation of the email index means another customer holds the email. Neither changes any row.
      const inserted = await insert(input, input.email);
      if (inserted === EMAIL_TAKEN) return EMAIL_TAKEN;
      return inserted ?? 'external_id_taken';
    },
    async getCustomer(tenant, id) {
      const [row] = await db().read(`select ${CUSTOMER_COLUMNS} from customers where tenant = ? and id = ?`, [tenant, id]);
      return row ? customerFrom(row) : null;
    },
    async getCustomerByExternalId(tenant, externalId) {
      const [row] = await db().read(`select ${CUSTOMER_COLUMNS} from customers where tenant = ? and external_id = ?`, [
        tenant,
        externalId,
      ]);
      return row ? customerFrom(row) : null;
    },
    async getCustomerByEmail(tenant, email) {
      const [row] = await db().read(`select ${CUSTOMER_COLUMNS} from customers where tenant = ? and email_key = ?`, [
        tenant,
        emailKey(email),
      ]);
      return row ? customerFrom(row) : null;
    },
    async listCustomers(tenant, filter) {
      const byEmail = filter.email === undefined ? '' : ' and email_key = ?';
      const params = filter.email === undefined ? [tenant] : [tenant, emailKey(filter.email)];
      const rows = await db().read(
        `select ${CUSTOMER_COLUMNS} from customers where tenant = ?${byEmail} order by created_at, id`,
        params,
      );
      return rows.map(customerFrom);
    },

    async putOffering(offering) {
      // One upsert: of racing puts of one (tenant, id) the last to commit is what stays, never a mix of both.
      const rows = await db().all(
        `insert into offerings (${OFFERING_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (tenant, id) do update set name = excluded.name, description = excluded.description,
         status = excluded.status, rate_plans = excluded.rate_plans, updated_at = excluded.updated_at,
         position = excluded.position
         returning ${OFFERING_COLUMNS}`,
        [
          offering.tenant,
          offering.id,
          offering.name,
          offering.description,
          offering.status,
          JSON.stringify(offering.ratePlans),
          ms(offering.updatedAt),
          offering.position,
        ],
      );
      return db().records.offering(rows[0]);
    },
    async listOfferings(tenant, filter) {
      const byStatus = filter.status === undefined ? '' : ' and status = ?';
      const params = filter.status === undefined ? [tenant] : [tenant, filter.status];
      const rows = await db().read(
        `select ${OFFERING_COLUMNS} from offerings where tenant = ?${byStatus} order by position, name, id`,
        params,
      );
      return rows.map((row) => db().records.offering(row));
    },
    // One conditional write: the update half runs only when the stored row has the same customer, so an invoice never
    // moves. Of racing inserts of one new id the primary key admits one; the others wait for it, take the update
    // path, fail its WHERE against the committed row and get no row back: `other_customer`.
    async putInvoice(invoice) {
      const rows = await db().all(
        `insert into invoices (${INVOICE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (tenant, id) do update set number = excluded.number,
         status = excluded.status, amount_due_cents = excluded.amount_due_cents,
         amount_paid_cents = excluded.amount_paid_cents, currency = excluded.currency, issued_at = excluded.issued_at,
         due_at = excluded.due_at, pdf_url = excluded.pdf_url, hosted_url = excluded.hosted_url
         where invoices.customer_id = excluded.customer_id
         returning ${INVOICE_COLUMNS}`,
        [
          invoice.tenant,
          invoice.id,
          invoice.customerId,
          invoice.number,
          invoice.status,
          invoice.amountDueCents,
          invoice.amountPaidCents,
          invoice.currency,
          ms(invoice.issuedAt),
          nullableMs(invoice.dueAt),
          invoice.pdfUrl,
          invoice.hostedUrl,
        ],
      );
      return rows.length === 0 ? 'other_customer' : db().records.invoice(rows[0]);
    },
    async listInvoices({ tenant, customerId, status, limit, after }) {
      if (limit <= 0) return [];
      const where = ['tenant = ?', 'customer_id = ?'];
      const params: unknown[] = [tenant, customerId];
      if (status !== undefined) {
        where.push('status = ?');
        params.push(status);
      }
      if (after !== undefined) {
        where.push('(issued_at < ? or (issued_at = ? and id < ?))');
        params.push(ms(after.issuedAt), ms(after.issuedAt), after.id);
      }
      const rows = await db().read(
        `select ${INVOICE_COLUMNS} from invoices where ${where.join(' and ')}
         order by issued_at desc, id desc limit ?`,
        [...params, limit],
      );
      return rows.map((row) => db().records.invoice(row));
    },
  };
}
