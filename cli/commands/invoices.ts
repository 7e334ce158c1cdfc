import { readFile } from 'node:fs/promises';
import { UsageError, type GroupSpec } from '../command.js';
import { STORAGE_OPTIONS, TENANT_OPTION, withAdmin } from '../runtime.js';
import type { PutInvoiceBody } from '../../lib/admin-schemas.js';

const FIELDS = ['id', 'externalId', 'number', 'status', 'amountDueCents', 'amountPaidCents', 'currency', 'issuedAt', 'dueAt', 'pdfUrl', 'hostedUrl'];
const CUSTOMER_OPTION = { customer: { type: 'string' as const, value: '<externalId>', description: "The customer's external id", required: true as const } };
const FROM_FILE = 'unless --file has it';
// The body fields an invoice needs, and the flag that gives each.
const REQUIRED: Array<[string, string]> = [['number', 'number'], ['status', 'status'], ['amountDueCents', 'amount-due'], ['currency', 'currency']];

function cents(raw: string | undefined, option: string, command: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${option} must be a whole number of cents`, command);
  return Number(raw);
}

/** `aforo-bridge invoices put|list`. */
export const invoices: GroupSpec = {
  name: 'invoices',
  summary: "Store and list a customer's invoices",
  commands: [
    {
      name: 'invoices put',
      args: '<id>',
      summary: 'Creates or replaces an invoice (and the customer, if new)',
      details: ['--file takes the invoice as JSON (the admin API body); the flags override its fields.'],
      options: {
        ...TENANT_OPTION,
        ...CUSTOMER_OPTION,
        number: { type: 'string', value: '<number>', description: 'Invoice number as printed', required: FROM_FILE },
        status: { type: 'string', value: '<DRAFT|OPEN|PAID|VOID|OVERDUE>', description: 'Status', required: FROM_FILE },
        'amount-due': { type: 'string', value: '<cents>', description: 'Amount due, in cents', required: FROM_FILE },
        'amount-paid': { type: 'string', value: '<cents>', description: 'Amount paid, in cents (default 0)' },
        currency: { type: 'string', value: '<ISO 4217>', description: 'Currency, e.g. USD', required: FROM_FILE },
        'issued-at': { type: 'string', value: '<ISO 8601>', description: 'Issue date (default now)' },
        'due-at': { type: 'string', value: '<ISO 8601>', description: 'Due date' },
        'pdf-url': { type: 'string', value: '<https://…>', description: 'Link to the PDF' },
        'hosted-url': { type: 'string', value: '<https://…>', description: 'Link to the hosted invoice page' },
        file: { type: 'string', value: '<file.json>', description: 'The invoice as JSON' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const id = args.positional(0, 'the invoice id');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        const customer = args.required('customer');
        let body: Record<string, unknown> = {};
        const file = args.string('file');
        if (file !== undefined) {
          try {
            body = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
          } catch (error) {
            throw new UsageError(`cannot read --file ${file}: ${(error as Error).message}`, args.command);
          }
        }
        const flags: Record<string, unknown> = {
          number: args.string('number'),
          status: args.string('status')?.toUpperCase(),
          amountDueCents: cents(args.string('amount-due'), 'amount-due', args.command),
          amountPaidCents: cents(args.string('amount-paid'), 'amount-paid', args.command),
          currency: args.string('currency'),
          issuedAt: args.string('issued-at'),
          dueAt: args.string('due-at'),
          pdfUrl: args.string('pdf-url'),
          hostedUrl: args.string('hosted-url'),
        };
        for (const [field, value] of Object.entries(flags)) if (value !== undefined) body[field] = value;
        body.issuedAt ??= new Date().toISOString();
        delete body.id;
        for (const [field, flag] of REQUIRED) {
          if (body[field] === undefined) throw new UsageError(`--${flag} is required (or "${field}" in --file)`, args.command);
        }
        return withAdmin(args, io, async (admin, out) => {
          const invoice = await admin.putInvoice(tenant, customer, id, body as PutInvoiceBody);
          if (!out.json) io.out(`saved invoice ${id}`);
          out.record(invoice, FIELDS);
        });
      },
    },
    {
      name: 'invoices list',
      summary: "Lists a customer's invoices, newest first",
      options: {
        ...TENANT_OPTION,
        ...CUSTOMER_OPTION,
        status: { type: 'string', value: '<status>', description: 'Only invoices with this status' },
        limit: { type: 'string', value: '<n>', description: 'At most this many (1-500)', default: '100' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        const customer = args.required('customer');
        const query = { limit: args.string('limit'), ...(args.string('status') ? { status: args.string('status') } : {}) };
        return withAdmin(args, io, async (admin, out) => {
          const { invoices: list } = await admin.listCustomerInvoices(tenant, customer, query);
          out.table('invoices', list, ['id', 'number', 'status', 'amountDueCents', 'amountPaidCents', 'currency', 'issuedAt', 'dueAt']);
        });
      },
    },
  ],
};
