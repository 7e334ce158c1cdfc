import { UsageError, type GroupSpec } from '../command.js';
import { STORAGE_OPTIONS, TENANT_OPTION, withAdmin } from '../runtime.js';

const FIELDS = ['id', 'externalId', 'offeringId', 'ratePlanId', 'status', 'amountCents', 'currency', 'interval', 'currentPeriodStart', 'currentPeriodEnd', 'cancelAtPeriodEnd'];
const CUSTOMER_OPTION = { customer: { type: 'string' as const, value: '<externalId>', description: "The customer's external id", required: true as const } };

function whole(raw: string | undefined, option: string, command: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${option} must be a whole number`, command);
  return Number(raw);
}

/** `aforo-bridge subscriptions put|list|usage`: the stored form of SPEC section 10. */
export const subscriptions: GroupSpec = {
  name: 'subscriptions',
  summary: "Store and list a customer's subscriptions and their usage",
  commands: [
    {
      name: 'subscriptions put',
      args: '<id>',
      summary: "Creates or replaces a subscription to a stored offering's plan (and the customer, if new)",
      options: {
        ...TENANT_OPTION,
        ...CUSTOMER_OPTION,
        offering: { type: 'string', value: '<offeringId>', description: 'The offering', required: true },
        plan: { type: 'string', value: '<ratePlanId>', description: 'One of its rate plans', required: true },
        status: { type: 'string', value: '<ACTIVE|TRIALING|PAST_DUE|CANCELED>', description: 'Status', default: 'ACTIVE' },
        'period-start': { type: 'string', value: '<ISO 8601>', description: 'Start of the current period (default now)' },
        'period-end': { type: 'string', value: '<ISO 8601>', description: 'End of the current period', required: true },
        'cancel-at-period-end': { type: 'boolean', description: 'Canceled at the end of the current period' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const id = args.positional(0, 'the subscription id');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        const customer = args.required('customer');
        const body = {
          offeringId: args.required('offering'),
          ratePlanId: args.required('plan'),
          status: (args.string('status') ?? 'ACTIVE').toUpperCase(),
          currentPeriodStart: args.string('period-start') ?? new Date().toISOString(),
          currentPeriodEnd: args.required('period-end'),
          cancelAtPeriodEnd: args.flag('cancel-at-period-end'),
        };
        return withAdmin(args, io, async (admin, out) => {
          const subscription = await admin.putSubscription(tenant, customer, id, body);
          if (!out.json) io.out(`saved subscription ${id}`);
          out.record(subscription, FIELDS);
        });
      },
    },
    {
      name: 'subscriptions list',
      summary: "Lists a customer's subscriptions",
      options: { ...TENANT_OPTION, ...CUSTOMER_OPTION, ...STORAGE_OPTIONS },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        const customer = args.required('customer');
        return withAdmin(args, io, async (admin, out) => {
          const { subscriptions: list } = await admin.listCustomerSubscriptions(tenant, customer);
          out.table('subscriptions', list, ['id', 'offeringId', 'ratePlanId', 'status', 'amountCents', 'currency', 'currentPeriodEnd', 'cancelAtPeriodEnd']);
        });
      },
    },
    {
      name: 'subscriptions usage',
      args: '<id>',
      summary: "Sets one metered feature's use in a subscription's period",
      options: {
        ...TENANT_OPTION,
        ...CUSTOMER_OPTION,
        feature: { type: 'string', value: '<feature>', description: 'The metered feature, e.g. api_calls', required: true },
        used: { type: 'string', value: '<n>', description: 'Quantity used so far', required: true },
        included: { type: 'string', value: '<n>', description: 'Quantity the plan includes' },
        overage: { type: 'string', value: '<cents>', description: 'Overage so far, in cents (default 0)' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const id = args.positional(0, 'the subscription id');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        const customer = args.required('customer');
        const feature = args.required('feature');
        const body = {
          used: whole(args.required('used'), 'used', args.command),
          ...(args.string('included') !== undefined ? { included: whole(args.string('included'), 'included', args.command) } : {}),
          ...(args.string('overage') !== undefined ? { overageCents: whole(args.string('overage'), 'overage', args.command) } : {}),
        };
        return withAdmin(args, io, async (admin, out) => {
          const usage = await admin.putUsage(tenant, customer, id, feature, body);
          if (!out.json) io.out(`saved usage of ${feature} for ${id}`);
          out.record(usage, ['subscriptionId', 'feature', 'used', 'included', 'overageCents', 'periodStart', 'periodEnd']);
        });
      },
    },
  ],
};
