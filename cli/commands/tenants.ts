import type { GroupSpec } from '../command.js';
import { STORAGE_OPTIONS, withAdmin } from '../runtime.js';

const TENANT_FIELDS = ['slug', 'name', 'branding', 'magicLink', 'createdAt'];

/** `aforo-bridge tenants create|list|show`. */
export const tenants: GroupSpec = {
  name: 'tenants',
  summary: 'Create, list and show tenants',
  commands: [
    {
      name: 'tenants create',
      args: '<slug>',
      summary: 'Creates a tenant (slug: lower-case letters, digits and dashes)',
      options: {
        name: { type: 'string', value: '<name>', description: 'Display name, shown in widgets and mail', required: true },
        'logo-url': { type: 'string', value: '<https://…>', description: 'Logo in widgets and mail (https only)' },
        'primary-color': { type: 'string', value: '<#rrggbb>', description: 'Brand colour' },
        'mail-from': { type: 'string', value: '<address>', description: 'Sender of magic-link mail' },
        'allow-signup': { type: 'boolean', description: 'Let unknown emails sign up by magic link' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const slug = args.positional(0, 'the tenant slug');
        args.noMorePositionals(1);
        const name = args.required('name');
        const branding = {
          ...(args.string('logo-url') ? { logoUrl: args.string('logo-url') } : {}),
          ...(args.string('primary-color') ? { primaryColor: args.string('primary-color') } : {}),
        };
        const magicLink = {
          ...(args.string('mail-from') ? { from: args.string('mail-from') } : {}),
          ...(args.flag('allow-signup') ? { allowSignup: true } : {}),
        };
        return withAdmin(args, io, async (admin, out) => {
          const tenant = await admin.createTenant({ slug, name, branding, magicLink });
          if (!out.json) io.out(`created tenant ${slug}`);
          out.record(tenant, TENANT_FIELDS);
        });
      },
    },
    {
      name: 'tenants list',
      summary: 'Lists every tenant',
      options: { ...STORAGE_OPTIONS },
      async run(args, io) {
        args.noMorePositionals(0);
        return withAdmin(args, io, async (admin, out) => {
          const { tenants: list } = await admin.listTenants();
          out.table('tenants', list, ['slug', 'name', 'branding', 'createdAt']);
        });
      },
    },
    {
      name: 'tenants show',
      args: '<slug>',
      summary: 'Shows a tenant',
      options: { ...STORAGE_OPTIONS },
      async run(args, io) {
        const slug = args.positional(0, 'the tenant slug');
        args.noMorePositionals(1);
        return withAdmin(args, io, async (admin, out) => out.record(await admin.getTenant(slug), TENANT_FIELDS));
      },
    },
  ],
};
