import type { GroupSpec } from '../command.js';
import { STORAGE_OPTIONS, TENANT_OPTION, withAdmin } from '../runtime.js';

const FIELDS = ['id', 'externalId', 'email', 'name'];

/** `aforo-bridge customers put|list`. */
export const customers: GroupSpec = {
  name: 'customers',
  summary: 'Create, update and list customers',
  commands: [
    {
      name: 'customers put',
      args: '<externalId>',
      summary: 'Creates or updates the customer with your own id <externalId>',
      options: {
        ...TENANT_OPTION,
        email: { type: 'string', value: '<email>', description: 'Email (unique per tenant)' },
        name: { type: 'string', value: '<name>', description: 'Name' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const externalId = args.positional(0, 'the external customer id');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        const body = {
          ...(args.string('email') !== undefined ? { email: args.string('email') } : {}),
          ...(args.string('name') !== undefined ? { name: args.string('name') } : {}),
        };
        return withAdmin(args, io, async (admin, out) => {
          const customer = await admin.putCustomer(tenant, externalId, body);
          if (!out.json) io.out(`saved customer ${customer.id}`);
          out.record({ ...customer }, FIELDS);
        });
      },
    },
    {
      name: 'customers list',
      summary: "Lists a tenant's customers",
      options: {
        ...TENANT_OPTION,
        email: { type: 'string', value: '<email>', description: 'Only the customer with this email' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        return withAdmin(args, io, async (admin, out) => {
          const { customers: list } = await admin.listCustomers(tenant, args.string('email'));
          out.table('customers', list.map((c) => ({ ...c })), FIELDS);
        });
      },
    },
  ],
};
