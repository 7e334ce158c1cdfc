import { BridgeError } from '../../lib/errors.js';
import { normaliseAllowedOrigin } from '../../lib/origin.js';
import { UsageError, type GroupSpec } from '../command.js';
import { CLI_CALLER, STORAGE_OPTIONS, TENANT_OPTION, withAdmin } from '../runtime.js';
import type { CreateEmbedKeyBody } from '../../lib/admin-schemas.js';

const KEY_FIELDS = ['id', 'mode', 'status', 'allowedOrigins', 'createdAt'];

/** `aforo-bridge embed-keys create|list|allow|revoke`. */
export const embedKeys: GroupSpec = {
  name: 'embed-keys',
  summary: 'Manage embed keys and their origin allowlists',
  commands: [
    {
      name: 'embed-keys create',
      summary: 'Creates an embed key allowed on the given origins',
      options: {
        ...TENANT_OPTION,
        origin: { type: 'string', multiple: true, value: '<origin>', description: 'An allowed origin (scheme://host[:port]); repeat for several', required: true },
        mode: { type: 'string', value: '<live|test>', description: 'Key prefix ek_live_ or ek_test_', default: 'live' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        const allowedOrigins = args.requiredList('origin', 'a key with no allowed origin is refused by every widget call');
        return withAdmin(args, io, async (admin, out) => {
          const key = await admin.createEmbedKey(tenant, { allowedOrigins, mode: args.string('mode') as CreateEmbedKeyBody['mode'] }, CLI_CALLER);
          if (!out.json) io.out(`created embed key ${String(key.id)}`);
          out.record(key, KEY_FIELDS);
        });
      },
    },
    {
      name: 'embed-keys list',
      summary: "Lists a tenant's embed keys",
      options: { ...TENANT_OPTION, ...STORAGE_OPTIONS },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        return withAdmin(args, io, async (admin, out) => {
          const { embedKeys: keys } = await admin.listEmbedKeys(tenant);
          out.table('embedKeys', keys, KEY_FIELDS);
        });
      },
    },
    {
      name: 'embed-keys allow',
      args: '<id>',
      summary: "Adds origins to (or removes them from) an embed key's allowlist",
      options: {
        ...TENANT_OPTION,
        origin: { type: 'string', multiple: true, value: '<origin>', description: 'An origin to allow; repeat for several' },
        remove: { type: 'string', multiple: true, value: '<origin>', description: 'An origin to take off the list' },
        replace: { type: 'boolean', description: 'Make the --origin list the whole allowlist' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const id = args.positional(0, 'the embed key id');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        const added = args.list('origin');
        const removed = new Set(args.list('remove').map((origin) => normaliseAllowedOrigin(origin) ?? origin));
        if (added.length === 0 && removed.size === 0) throw new UsageError('give --origin or --remove', args.command);
        return withAdmin(args, io, async (admin, out) => {
          let allowedOrigins = added;
          if (!args.flag('replace')) {
            const { embedKeys: keys } = await admin.listEmbedKeys(tenant);
            const current = keys.find((key) => key.id === id);
            if (!current) throw new BridgeError('not_found', 'no embed key with that id');
            allowedOrigins = [...(current.allowedOrigins as string[]), ...added];
          }
          const key = await admin.updateEmbedKey(tenant, id, { allowedOrigins: allowedOrigins.filter((o) => !removed.has(o)) }, CLI_CALLER);
          if (!out.json) io.out(`updated embed key ${id}`);
          out.record(key, KEY_FIELDS);
        });
      },
    },
    {
      name: 'embed-keys revoke',
      args: '<id>',
      summary: 'Revokes an embed key; widgets using it stop working at once',
      options: { ...TENANT_OPTION, ...STORAGE_OPTIONS },
      async run(args, io) {
        const id = args.positional(0, 'the embed key id');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        return withAdmin(args, io, async (admin, out) => {
          const key = await admin.revokeEmbedKey(tenant, id, CLI_CALLER);
          out.done(`revoked embed key ${id}`, key);
        });
      },
    },
  ],
};
