import type { Storage } from '../../lib/storage.js';
import type { CommandSpec } from '../command.js';
import { Output } from '../output.js';
import { noteNewDatabase, STORAGE_OPTIONS } from '../runtime.js';
import { DEFAULT_STORAGE, describeStorage, maskSecrets, openStorage, StorageUnavailable } from '../storage.js';

interface Migratable extends Storage {
  migrate(): Promise<{ from: number; to: number }>;
}

/** `aforo-bridge migrate`: creates or upgrades the schema, then exits. */
export const migrate: CommandSpec = {
  name: 'migrate',
  summary: 'Creates or upgrades the database schema',
  details: ['The server migrates on start as well; run this first when several processes share one database.'],
  options: { storage: STORAGE_OPTIONS.storage, json: STORAGE_OPTIONS.json },
  async run(args, io) {
    args.noMorePositionals(0);
    const spec = args.string('storage') ?? DEFAULT_STORAGE;
    const storage = await openStorage(spec);
    noteNewDatabase(spec, io);
    const out = new Output(io, args.flag('json'));
    try {
      const report = 'migrate' in storage && typeof storage.migrate === 'function'
        ? await (storage as Migratable).migrate()
        : (await storage.init(), null);
      if (!report) out.done(`${describeStorage(spec)} needs no migration`, { storage: describeStorage(spec), migrated: false });
      else out.done(`${describeStorage(spec)}: schema version ${report.from} -> ${report.to}`, { storage: describeStorage(spec), ...report });
    } catch (error) {
      throw new StorageUnavailable(maskSecrets(`cannot migrate ${spec}: ${error instanceof Error ? error.message : String(error)}`));
    } finally {
      await storage.close().catch(() => undefined);
    }
    return 0;
  },
};

