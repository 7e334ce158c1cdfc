import type { ChangeFeed } from '../../lib/storage.js';
import { sqliteWritesInProcess } from './connections.js';
import type { SqlDatabase } from './database.js';
import { errorMessage } from './errors.js';
import { nodePostgres, type PgListenClient } from './node-postgres.js';

// Rows of aforo_changes older than this are deleted by prune(); a process that has not caught up for longer than
// half of it may have missed some, and starts over with an empty cache.
const SQLITE_CHANGES_KEPT_MS = 10 * 60_000;

/** How long one look at data_version may serve the turn it was made in (see sqliteChangeFeed). */
const LOOK_HOLDS_MS = 1;

type Listener = (topic: string) => void;

function listeners(): { add(listener: Listener): () => void; emit(topic: string): void } {
  const set = new Set<Listener>();
  return {
    add(listener) {
      set.add(listener);
      return () => set.delete(listener);
    },
    emit(topic) {
      for (const listener of set) listener(topic);
    },
  };
}

/**
 * SQLite: triggers append each change to `aforo_changes` in the writing transaction (migration 4). `catchUp` runs
 * synchronously: the writer connection's `PRAGMA data_version` tells whether any other connection committed since
 * the last look (this process's own commits do not count: it forgets what it writes itself); only then are the rows
 * past the last sequence number this process saw read, on the read connection.
 *
 * One look serves the rest of the event-loop turn it was made in, for at most a millisecond, until this process
 * writes again. Every request handled in a turn had arrived before the turn began (its bytes were waiting when the
 * loop polled), and the look came after that, so a commit it misses was not finished when those requests arrived:
 * it is concurrent with them, not before them, and the next turn sees it. A write of this process (by another
 * storage on the same file, say) ends the look at once, and so does a synchronous wait that outlasts the millisecond
 * (an in-process caller running the CLI with execFileSync). The pragma costs 2.5-3.5 µs (better-sqlite3, measured
 * in a loop), and an exchange reads three or four cached rows.
 */
export function sqliteChangeFeed(db: SqlDatabase, now: () => number = Date.now): ChangeFeed & { start(): Promise<void> } {
  const out = listeners();
  let lastSeq = 0;
  let lastCheck = 0;
  let lastVersion: unknown = null;
  let lookedThisTurn = false;
  let lookedAtWrites = -1;
  let lookedAt = 0;
  const endOfTurn = (): void => {
    lookedThisTurn = false;
  };

  const maxSeq = (): number => Number(db.readSync('select coalesce(max(seq), 0) as seq from aforo_changes')[0].seq);

  const catchUp = (): undefined => {
    const writes = sqliteWritesInProcess();
    const clock = performance.now();
    if (lookedThisTurn && lookedAtWrites === writes && clock - lookedAt < LOOK_HOLDS_MS) return undefined;
    if (!lookedThisTurn) {
      lookedThisTurn = true;
      setImmediate(endOfTurn);
    }
    lookedAtWrites = writes;
    lookedAt = clock;
    const version = db.writerDataVersion();
    const at = now();
    // Rows are pruned only after SQLITE_CHANGES_KEPT_MS, so a process that looks more often than half of that never
    // misses one.
    const stale = at - lastCheck >= SQLITE_CHANGES_KEPT_MS / 2;
    lastCheck = at;
    if (version === lastVersion && !stale) return undefined;
    lastVersion = version;
    if (stale) {
      // Rows this process never read may be pruned by now: forget everything instead.
      lastSeq = maxSeq();
      out.emit('*');
    } else {
      for (const row of db.readSync('select seq, topic from aforo_changes where seq > ? order by seq', [lastSeq])) {
        lastSeq = Number(row.seq);
        out.emit(String(row.topic));
      }
    }
    return undefined;
  };

  return {
    live: () => true,
    exact: true,
    subscribe: out.add,
    catchUp,
    async start() {
      lastVersion = db.writerDataVersion();
      lastSeq = maxSeq();
      lastCheck = now();
    },
    async close() {},
  };
}

/** Deletes change rows no process needs any more (SQLite; prune() calls it). */
export async function pruneSqliteChanges(db: SqlDatabase, now: Date): Promise<number> {
  return db.run('delete from aforo_changes where at < ?', [now.getTime() - SQLITE_CHANGES_KEPT_MS]);
}

const RECONNECT_MS = 1000;

/**
 * Postgres: triggers `pg_notify` each change when its transaction commits (migration 4), and one connection of this
 * process listens. Nothing is read per request. While that connection is down the feed is not live, and the cache
 * reads through to the database until it is back (then everything cached before is forgotten, since notifications
 * may have been missed).
 */
export function postgresChangeFeed(options: {
  url: string;
  schema: string;
  connectTimeoutMs: number;
  onError?: (message: string) => void;
}): ChangeFeed & { start(): Promise<void> } {
  const out = listeners();
  let client: PgListenClient | null = null;
  let live = false;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  const prefix = `${options.schema} `;

  const reconnectSoon = (): void => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch((error: unknown) => {
        options.onError?.(`change feed reconnect failed: ${errorMessage(error)}`);
        reconnectSoon();
      });
    }, RECONNECT_MS);
    retry.unref();
  };

  const connect = async (): Promise<void> => {
    const pg = nodePostgres();
    const next = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: options.connectTimeoutMs });
    const lost = (error?: Error): void => {
      if (client !== next) return;
      client = null;
      live = false;
      next.end().catch(() => undefined);
      if (closed) return;
      if (error) options.onError?.(`change feed connection lost: ${errorMessage(error)}`);
      reconnectSoon();
    };
    next.on('notification', (message) => {
      const payload = message.payload ?? '';
      if (message.channel === 'aforo_changes' && payload.startsWith(prefix)) out.emit(payload.slice(prefix.length));
    });
    next.on('error', lost);
    next.on('end', () => lost());
    await next.connect();
    await next.query('listen aforo_changes');
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    // Whatever was cached while no connection listened may be stale.
    out.emit('*');
    live = true;
  };

  return {
    live: () => live,
    exact: false,
    subscribe: out.add,
    catchUp: () => undefined,
    async start() {
      // A feed that cannot listen yet leaves the cache reading through; it keeps trying in the background.
      await connect().catch((error: unknown) => {
        options.onError?.(`change feed connect failed: ${errorMessage(error)}`);
        reconnectSoon();
      });
    },
    async close() {
      closed = true;
      live = false;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
