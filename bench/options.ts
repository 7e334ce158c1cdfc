import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { FRAMEWORKS, hasAdapter, type Framework } from './frameworks.js';
import type { LoadSettings } from './load.js';
import { hasStorage, postgresSupportsSchema, postgresUrl, STORAGES, type StorageName } from './storages.js';

export const USAGE = `usage: npm run bench -- [--duration <s>] [--warmup <s>] [--connections <n>] [--samples <n>]
                         [--framework koa|express|fastify|all] [--storage memory|sqlite|postgres|all]
                         [--ips <n, default 1000000; 0 skips the memory run>]`;

/** What the command line asked for, resolved against what is in the tree. */
export interface Options {
  load: LoadSettings;
  samples: number;
  /** Distinct client IPs for the memory-growth run (0: not run). */
  ips: number;
  frameworks: Framework[];
  storages: StorageName[];
  /** `--storage postgres` was asked for by name: a Postgres that cannot be used is then an error, not a note. */
  postgresRequired: boolean;
  /** Things left out, printed under the header. */
  notes: string[];
}

function positive(name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value)) || (name !== 'warmup' && value === 0)) {
    throw new Error(`--${name} must be a ${integer ? 'whole ' : ''}number${name === 'warmup' ? '' : ' above 0'}\n${USAGE}`);
  }
  return value;
}

function pick<T extends string>(notes: string[], name: string, raw: string | undefined, known: readonly T[], available: (item: T) => boolean): T[] {
  if (raw === undefined || raw === 'all') {
    const missing = known.filter((item) => !available(item));
    if (missing.length) notes.push(`${name} not in this tree, skipped: ${missing.join(', ')}`);
    return known.filter(available);
  }
  if (!known.includes(raw as T)) throw new Error(`--${name} must be one of ${known.join(', ')} or all\n${USAGE}`);
  if (!available(raw as T)) throw new Error(`--${name} ${raw}: its implementation is not in this tree`);
  return [raw as T];
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      samples: { type: 'string' },
      ips: { type: 'string' },
      framework: { type: 'string' },
      storage: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const notes: string[] = [];
  const frameworks = pick(notes, 'framework', values.framework, FRAMEWORKS, hasAdapter);
  const chosen = pick(notes, 'storage', values.storage, STORAGES, hasStorage);
  // Memory is always run: it is the figure the other storages are printed beside.
  const storages: StorageName[] = ['memory', ...chosen.filter((s) => s !== 'memory')];
  return {
    load: {
      duration: positive('duration', values.duration, 5, false),
      warmup: positive('warmup', values.warmup, 3, false),
      connections: positive('connections', values.connections, 10, true),
    },
    samples: positive('samples', values.samples, 400, true),
    ips: values.ips === '0' ? 0 : positive('ips', values.ips, 1_000_000, true),
    frameworks,
    storages,
    postgresRequired: values.storage === 'postgres',
    notes,
  };
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 5432) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Leaves Postgres out, with a note, when it cannot be benchmarked safely; an explicit `--storage postgres` fails instead. */
async function checkPostgres(options: Options): Promise<void> {
  if (!options.storages.includes('postgres')) return;
  let reason: string | null = null;
  if (!(await postgresSupportsSchema())) reason = 'postgresStorage has no schema option, and the bench only writes into a fresh schema';
  else if (!(await reachable(postgresUrl()))) reason = `no Postgres server answers at ${new URL(postgresUrl()).host}`;
  if (!reason) return;
  if (options.postgresRequired) throw new Error(`--storage postgres: ${reason}`);
  options.notes.push(`postgres skipped: ${reason}`);
  options.storages = options.storages.filter((s) => s !== 'postgres');
}

/** Parses the command line; a bad flag or an unavailable choice asked for by name throws with the usage. */
export async function readOptions(): Promise<Options> {
  const options = parseOptions();
  await checkPostgres(options);
  return options;
}
