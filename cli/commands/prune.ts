import type { CommandSpec } from '../command.js';
import { Output } from '../output.js';
import { prepareStorage, STORAGE_OPTIONS } from '../runtime.js';
import { DEFAULT_STORAGE } from '../storage.js';

const DAY_MS = 86_400_000;

/** `aforo-bridge prune`: deletes expired one-time records and old audit events. */
export const prune: CommandSpec = {
  name: 'prune',
  summary: 'Deletes expired links, jtis, rate-limit windows and sessions, and old audit events',
  options: {
    'audit-days': { type: 'string', value: '<days>', description: 'Keep audit events this many days', default: '90' },
    storage: STORAGE_OPTIONS.storage,
    json: STORAGE_OPTIONS.json,
  },
  async run(args, io) {
    args.noMorePositionals(0);
    const days = args.integer('audit-days', 1, 36_500) ?? 90;
    const storage = await prepareStorage(args.string('storage') ?? DEFAULT_STORAGE, io);
    try {
      const now = new Date();
      const counts = await storage.prune({ now, auditBefore: new Date(now.getTime() - days * DAY_MS) });
      const out = new Output(io, args.flag('json'));
      out.done(
        `pruned ${counts.magicLinks} magic links, ${counts.jtis} jtis, ${counts.rateLimits} rate-limit windows, ` +
          `${counts.sessions} sessions, ${counts.audit} audit events`,
        { ...counts },
      );
    } finally {
      await storage.close();
    }
    return 0;
  },
};
