import type { CommandSpec } from '../command.js';
import { STORAGE_OPTIONS, TENANT_OPTION, withAdmin } from '../runtime.js';

const BASE = new Set(['id', 'type', 'at', 'ip', 'userAgent']);

/** `aforo-bridge audit`: a tenant's audit trail, newest first. */
export const audit: CommandSpec = {
  name: 'audit',
  summary: "Lists a tenant's audit events, newest first",
  options: {
    ...TENANT_OPTION,
    type: { type: 'string', value: '<type>', description: 'Only this event type, e.g. session.created' },
    since: { type: 'string', value: '<ISO 8601>', description: 'Only events at or after this time' },
    limit: { type: 'string', value: '<n>', description: 'At most this many (1-500)', default: '50' },
    cursor: { type: 'string', value: '<cursor>', description: 'Continue after a previous page' },
    ...STORAGE_OPTIONS,
  },
  async run(args, io) {
    args.noMorePositionals(0);
    const tenant = args.required('tenant');
    const query = {
      limit: args.string('limit'),
      ...(args.string('type') ? { type: args.string('type') } : {}),
      ...(args.string('since') ? { since: args.string('since') } : {}),
      ...(args.string('cursor') ? { cursor: args.string('cursor') } : {}),
    };
    return withAdmin(args, io, async (admin, out) => {
      const page = await admin.listAudit(tenant, query);
      if (out.json) return out.table('events', page.events, [], { nextCursor: page.nextCursor });
      const rows = page.events.map((event) => ({
        ...event,
        details: Object.fromEntries(Object.entries(event).filter(([key]) => !BASE.has(key))),
      }));
      out.table('events', rows, ['at', 'type', 'ip', 'details']);
      if (page.nextCursor) io.out(`more: --cursor ${page.nextCursor}`);
    });
  },
};
