import { readFile } from 'node:fs/promises';
import { BridgeError } from '../../lib/errors.js';
import { UsageError, type Args, type CommandSpec, type GroupSpec } from '../command.js';
import { STORAGE_OPTIONS, TENANT_OPTION, withAdmin } from '../runtime.js';
import type { PutOfferingBody } from '../../lib/admin-schemas.js';

const FIELDS = ['id', 'name', 'description', 'status', 'position', 'ratePlans', 'updatedAt'];

/** `basic:Basic:1900:USD:month:5 seats|Email support`, or a JSON object. */
export function parsePlan(raw: string, command: string): Record<string, unknown> {
  if (raw.trim().startsWith('{')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--plan is not valid JSON: ${raw.slice(0, 80)}`, command);
    }
  }
  const [id, name, amount, currency, interval, ...rest] = raw.split(':');
  if (!id || !name || !amount || !currency || !interval || !/^\d+$/.test(amount)) {
    throw new UsageError('--plan must be id:name:amountCents:currency:interval[:feature|feature…] or a JSON object', command);
  }
  const features = rest.join(':').split('|').map((f) => f.trim()).filter((f) => f.length > 0);
  return { id, name, amountCents: Number(amount), currency, interval, features };
}

async function readBody(args: Args): Promise<Record<string, unknown>> {
  const file = args.string('file');
  if (file === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read --file ${file}: ${(error as Error).message}`, args.command);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--file must hold a JSON object', args.command);
  return parsed as Record<string, unknown>;
}

function setStatus(status: 'PUBLISHED' | 'ARCHIVED', verb: string): CommandSpec {
  return {
    name: `offerings ${verb}`,
    args: '<id>',
    summary: status === 'PUBLISHED' ? 'Publishes an offering: widgets show it' : 'Archives an offering: widgets stop showing it',
    options: { ...TENANT_OPTION, ...STORAGE_OPTIONS },
    async run(args, io) {
      const id = args.positional(0, 'the offering id');
      args.noMorePositionals(1);
      const tenant = args.required('tenant');
      return withAdmin(args, io, async (admin, out) => {
        const { offerings } = await admin.listOfferings(tenant);
        const current = offerings.find((o) => o.id === id);
        if (!current) throw new BridgeError('not_found', 'no offering with that id');
        const { name, description, ratePlans, position } = current;
        const updated = await admin.putOffering(tenant, id, { name, description, ratePlans, position, status });
        out.done(`offering ${id} is ${status}`, updated);
      });
    },
  };
}

/** `aforo-bridge offerings put|publish|archive|list`. */
export const offerings: GroupSpec = {
  name: 'offerings',
  summary: 'Manage offerings and their rate plans',
  commands: [
    {
      name: 'offerings put',
      args: '<id>',
      summary: 'Creates or replaces an offering',
      details: [
        'Rate plans: --plan id:name:amountCents:currency:interval[:feature|feature…] (interval month, year or one_time),',
        'or --plan with a JSON object; --file takes the whole offering as JSON and the flags override its fields.',
      ],
      options: {
        ...TENANT_OPTION,
        name: { type: 'string', value: '<name>', description: 'Offering name', required: 'unless --file has it' },
        description: { type: 'string', value: '<text>', description: 'Offering description' },
        status: { type: 'string', value: '<DRAFT|PUBLISHED|ARCHIVED>', description: 'Status (default DRAFT for a new body)' },
        position: { type: 'string', value: '<n>', description: 'Order in widgets, ascending; ties by name (default 0)' },
        plan: { type: 'string', multiple: true, value: '<plan>', description: 'A rate plan; repeat for several' },
        file: { type: 'string', value: '<file.json>', description: 'The offering as JSON' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const id = args.positional(0, 'the offering id');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        const body = await readBody(args);
        for (const field of ['name', 'description', 'status'] as const) {
          const value = args.string(field);
          if (value !== undefined) body[field] = field === 'status' ? value.toUpperCase() : value;
        }
        body.status ??= 'DRAFT';
        const position = args.string('position');
        if (position !== undefined) {
          if (!/^\d{1,7}$/.test(position)) throw new UsageError('--position must be a whole number (0 or more)', args.command);
          body.position = Number(position);
        }
        const plans = args.list('plan').map((plan) => parsePlan(plan, args.command));
        if (plans.length > 0) body.ratePlans = plans;
        if (body.name === undefined) throw new UsageError('--name is required (or a name in --file)', args.command);
        delete body.id;
        return withAdmin(args, io, async (admin, out) => {
          const offering = await admin.putOffering(tenant, id, body as PutOfferingBody);
          if (!out.json) io.out(`saved offering ${id}`);
          out.record(offering, FIELDS);
        });
      },
    },
    setStatus('PUBLISHED', 'publish'),
    setStatus('ARCHIVED', 'archive'),
    {
      name: 'offerings list',
      summary: "Lists a tenant's offerings, every status",
      options: {
        ...TENANT_OPTION,
        status: { type: 'string', value: '<DRAFT|PUBLISHED|ARCHIVED>', description: 'Only offerings with this status' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        const status = args.string('status')?.toUpperCase();
        return withAdmin(args, io, async (admin, out) => {
          const list = (await admin.listOfferings(tenant)).offerings.filter((o) => !status || o.status === status);
          const rows = list.map((o) => ({ ...o, plans: (o.ratePlans as Array<{ id: string }>).map((p) => p.id) }));
          if (out.json) out.table('offerings', list, []);
          else out.table('offerings', rows, ['id', 'status', 'position', 'name', 'plans', 'updatedAt']);
        });
      },
    },
  ],
};
