import type { Storage } from '../../lib/storage.js';
import type { Session } from '../../lib/types.js';
import type { Row, SqlDatabase, SqlRunner } from './database.js';
import { perTurn } from './per-turn.js';
import { insertAudit } from './engine-audit.js';
import { ms, nullableMs } from './database.js';
import { AUDIT_COLUMNS, CUSTOMER_COLUMNS, MAGIC_LINK_COLUMNS, SESSION_COLUMNS } from './records.js';

const CUSTOMER_FIELDS = CUSTOMER_COLUMNS.split(', ');
// The customer's columns come back as c_<name>, so they cannot shadow the session's own tenant and created_at.
const SESSION_WITH_CUSTOMER =
  `select ${SESSION_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, ${CUSTOMER_FIELDS.map((c) => `c.${c} as c_${c}`).join(', ')}
   from sessions s join customers c on c.tenant = s.tenant and c.id = s.customer_id where s.sid = ?`;

const SESSIONS_WITH_CUSTOMER = SESSION_WITH_CUSTOMER.replace('where s.sid = ?', 'where s.sid = any(?::text[])');

type OneTimeMethods = Pick<
  Storage,
  | 'createSession'
  | 'startSession'
  | 'getSession'
  | 'getSessionWithCustomer'
  | 'touchSession'
  | 'revokeSession'
  | 'revokeSessionsBySigningKey'
  | 'reserveJti'
  | 'hitRateLimit'
  | 'reserveRateLimit'
  | 'createMagicLink'
  | 'consumeMagicLink'
  | 'getMagicLink'
>;

type JtiInput = Parameters<Storage['reserveJti']>[0];

// One statement. A fresh jti is inserted (1 row). A remembered one hits the primary key and is only overwritten when
// it expired before `now`; otherwise the statement changes nothing (0 rows). Racing inserts of one jti are serialised
// by the key: the later ones see the first one's unexpired row and change nothing, so exactly one caller gets true.
async function insertJti(sql: SqlRunner, { tenant, kid, jti, expiresAt, now }: JtiInput): Promise<boolean> {
  const changed = await sql.run(
    `insert into jtis (tenant, kid, jti, expires_at) values (?, ?, ?, ?)
     on conflict (tenant, kid, jti) do update set expires_at = excluded.expires_at
     where jtis.expires_at < ?`,
    [tenant, kid, jti, ms(expiresAt), ms(now)],
  );
  return changed === 1;
}

const sessionValues = (session: Session): unknown[] => [
  session.sid,
  session.tenant,
  session.customerId,
  session.embedKeyId,
  session.method,
  session.signingKid,
  ms(session.createdAt),
  ms(session.refreshedAt),
  ms(session.expiresAt),
  nullableMs(session.revokedAt),
];

async function insertSession(sql: SqlRunner, session: Session): Promise<void> {
  await sql.run(`insert into sessions (${SESSION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sessionValues(session));
}

// The jti, session and audit inserts of a batch of exchanges (one or many), one row of each per exchange, in one
// statement: the columns come as arrays (unnest, each cast to its column's type). `k` reads the signing keys of the
// batch that are not REVOKED and share-locks them until the commit: a revoke's lock on a key row waits for this
// statement's commit (so the revoke's second step, revokeSessionsBySigningKey, sees these sessions), and a revoke
// committed first is seen here (READ COMMITTED reads the newest version of a row it locks). The locks are taken in
// (tenant, kid) order, the order in which a promote or revoke locks a tenant's keys, so the two never deadlock. Only
// rows whose key stands get a jti insert, which decides per row, and only rows whose jti was fresh get a session and
// an audit row. The jtis go in in key order: two batches holding copies of the same jtis (replays sent to two
// processes, or two turns of one) would otherwise lock them in opposite orders and deadlock, which Postgres breaks
// only after deadlock_timeout (1 s) by failing one batch. The batch shares one `now` for "remembered but expired"
// (the earliest of the batch: it never frees a jti early). It answers one row per session stored (sid) and one per
// key that stands (key_tenant, key_kid).
const START_SESSIONS_POSTGRES = `
  with input as (
    select * from unnest(?::text[], ?::text[], ?::text[], ?::bigint[],
      ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
      ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[])
    as i(j_tenant, j_kid, j_jti, j_expires_at,
      sid, tenant, customer_id, embed_key_id, method, signing_kid, created_at, refreshed_at, expires_at, revoked_at,
      a_id, a_type, a_at, a_ip, a_user_agent, a_data)
  ), k as (
    select tenant, kid from signing_keys
    where status <> 'REVOKED' and (tenant, kid) in (select tenant, signing_kid from input)
    order by tenant, kid
    for share
  ), j as (
    insert into jtis (tenant, kid, jti, expires_at)
    select j_tenant, j_kid, j_jti, j_expires_at from input
    where input.signing_kid is null or exists (select 1 from k where k.tenant = input.tenant and k.kid = input.signing_kid)
    order by j_tenant, j_kid, j_jti
    on conflict (tenant, kid, jti) do update set expires_at = excluded.expires_at where jtis.expires_at < ?
    returning tenant, kid, jti
  ), fresh as (
    select input.* from input join j on j.tenant = input.j_tenant and j.kid = input.j_kid and j.jti = input.j_jti
  ), a as (
    insert into audit_events (${AUDIT_COLUMNS})
    select tenant, a_id, a_type, a_at, a_ip, a_user_agent, a_data::jsonb from fresh
  ), s as (
    insert into sessions (${SESSION_COLUMNS})
    select ${SESSION_COLUMNS} from fresh
    returning sid
  )
  select sid, null as key_tenant, null as key_kid from s
  union all
  select null, tenant, kid from k`;

type StartInput = Parameters<NonNullable<Storage['startSession']>>[0];
type StartOutcome = boolean | 'key_revoked';
const MAX_BATCH = 64;

const keyName = (tenant: unknown, kid: unknown): string => JSON.stringify([tenant, kid]);

/**
 * SQLite: whether the session's signing key exists and is not REVOKED, read inside the exchange's write transaction.
 * SQLite has one writer, so a revoke commits wholly before this read or after this transaction's commit, and in the
 * second case its revokeSessionsBySigningKey, later still, sees the session.
 */
async function keyStands(sql: SqlRunner, session: Session): Promise<boolean> {
  if (session.signingKid === null) return true;
  const [row] = await sql.all('select status from signing_keys where tenant = ? and kid = ?', [session.tenant, session.signingKid]);
  return row !== undefined && row.status !== 'REVOKED';
}

/**
 * Postgres: the exchanges that arrive in one turn of the event loop go to the database as one statement, so one
 * round trip and one commit (one WAL flush) serve all of them, and a pool of a few connections carries many
 * exchanges at once. Exchanges of one jti in the same turn are a replay race: the first goes in the batch and the
 * others wait for it and get false (only one may win, and it is decided by the first). A batch the database refuses
 * whole (a row breaking a constraint) is run again one statement per exchange, so one bad row fails alone.
 */
function postgresSessionBatcher(db: () => SqlDatabase): (input: StartInput) => Promise<StartOutcome> {
  const many = async (batch: StartInput[]): Promise<Map<StartInput, StartOutcome>> => {
    const column = <T>(pick: (input: StartInput) => T): T[] => batch.map(pick);
    const rows = await db().all(START_SESSIONS_POSTGRES, [
      column((b) => b.jti.tenant), column((b) => b.jti.kid), column((b) => b.jti.jti), column((b) => ms(b.jti.expiresAt)),
      column((b) => b.session.sid), column((b) => b.session.tenant), column((b) => b.session.customerId),
      column((b) => b.session.embedKeyId), column((b) => b.session.method), column((b) => b.session.signingKid),
      column((b) => ms(b.session.createdAt)), column((b) => ms(b.session.refreshedAt)), column((b) => ms(b.session.expiresAt)),
      column((b) => nullableMs(b.session.revokedAt)),
      column((b) => b.audit.id), column((b) => b.audit.type), column((b) => ms(b.audit.at)), column((b) => b.audit.ip),
      column((b) => b.audit.userAgent), column((b) => JSON.stringify(b.audit.data)),
      Math.min(...batch.map((b) => ms(b.jti.now))),
    ]);
    const stored = new Set<string>();
    const standing = new Set<string>();
    for (const row of rows) {
      if (row.sid !== null) stored.add(String(row.sid));
      else standing.add(keyName(row.key_tenant, row.key_kid));
    }
    return new Map(batch.map((b) => [
      b,
      b.session.signingKid === null || standing.has(keyName(b.session.tenant, b.session.signingKid))
        ? stored.has(b.session.sid)
        : 'key_revoked',
    ]));
  };
  const one = async (input: StartInput): Promise<StartOutcome> => (await many([input])).get(input)!;

  return perTurn(async (inputs: StartInput[]): Promise<Array<Promise<StartOutcome>>> => {
    if (inputs.length === 1) return [one(inputs[0])];
    // The first exchange of each jti decides for every exchange of it in the batch.
    const first = new Map<string, number>();
    const leaderOf = inputs.map((input, i) => {
      const key = JSON.stringify([input.jti.tenant, input.jti.kid, input.jti.jti]);
      if (!first.has(key)) first.set(key, i);
      return first.get(key)!;
    });
    const leaders = [...first.values()];
    let decided: Map<number, Promise<StartOutcome>>;
    try {
      const outcomes = await many(leaders.map((i) => inputs[i]));
      decided = new Map(leaders.map((i) => [i, Promise.resolve(outcomes.get(inputs[i])!)]));
    } catch {
      decided = new Map(leaders.map((i) => [i, one(inputs[i])]));
    }
    // A copy of a jti loses to its leader, or shares its leader's refusal of a revoked key.
    const follow = (outcome: StartOutcome): StartOutcome => (outcome === 'key_revoked' ? outcome : false);
    return inputs.map((_, i) => (leaderOf[i] === i ? decided.get(i)! : decided.get(leaderOf[i])!.then(follow)));
  }, MAX_BATCH);
}

/**
 * Postgres: the session lookups of one turn (every `/me`, refresh and data call checks its session) as one statement,
 * `sid = any(…)`: one round trip for many requests, each still reading the row after it arrived, so a revocation
 * committed before a request is seen by it, in every process.
 */
function postgresSessionReader(db: () => SqlDatabase): (sid: string) => Promise<Row | null> {
  // A lone lookup is the same statement over a one-element array.
  return perTurn(async (sids: string[]): Promise<Array<Row | null>> => {
    const rows = await db().read(SESSIONS_WITH_CUSTOMER, [[...new Set(sids)]]);
    const bySid = new Map(rows.map((row) => [String(row.sid), row]));
    return sids.map((sid) => bySid.get(sid) ?? null);
  }, MAX_BATCH);
}

/** Sessions, one-time jtis, rate-limit windows and magic links: the steps that must hold under races. */
export function oneTimeMethods(db: () => SqlDatabase): OneTimeMethods {
  let startPostgres: ((input: StartInput) => Promise<StartOutcome>) | null = null;
  let readPostgres: ((sid: string) => Promise<Row | null>) | null = null;
  // One upsert that adds in place and returns the new count: racing hits queue on the row and each reads back a
  // different count, exactly 1..n on a fresh window (disjoint ranges for reservations of several).
  const addHits = async (key: string, windowMs: number, now: Date, amount: number) => {
    const windowStart = Math.floor(ms(now) / windowMs) * windowMs;
    const windowEnd = windowStart + windowMs;
    const rows = await db().all(
      `insert into rate_limits (bucket, window_start, window_end, hits) values (?, ?, ?, ?)
       on conflict (bucket, window_start) do update set hits = rate_limits.hits + excluded.hits
       returning hits`,
      [key, windowStart, windowEnd, amount],
    );
    return { count: Number(rows[0].hits), resetAt: new Date(windowEnd) };
  };

  return {
    async createSession(session) {
      await insertSession(db(), session);
    },
    async startSession(input) {
      const { jti, session, audit } = input;
      const database = db();
      // Postgres: one statement, so one round trip and one commit, for every exchange of this turn (see
      // postgresSessionBatcher). The jti insert decides; the session and audit inserts read its RETURNING and insert
      // nothing for a replay. A racing insert of the same jti waits on the key and then finds it unexpired, as in
      // reserveJti.
      if (database.dialect === 'postgres') return (startPostgres ??= postgresSessionBatcher(db))(input);
      // SQLite: one transaction, shared with the exchanges of the same event-loop turn (one WAL append for all).
      return database.groupedTransaction(async (tx): Promise<StartOutcome> => {
        if (!(await keyStands(tx, session))) return 'key_revoked';
        if (!(await insertJti(tx, jti))) return false;
        await insertSession(tx, session);
        await insertAudit(tx, audit);
        return true;
      });
    },
    async getSession(sid) {
      const [row] = await db().read(`select ${SESSION_COLUMNS} from sessions where sid = ?`, [sid]);
      return row ? db().records.session(row) : null;
    },
    async getSessionWithCustomer(sid) {
      const database = db();
      const row = database.dialect === 'postgres'
        ? await (readPostgres ??= postgresSessionReader(db))(sid)
        : (await database.read(SESSION_WITH_CUSTOMER, [sid]))[0];
      if (!row) return null;
      const customerRow = Object.fromEntries(CUSTOMER_FIELDS.map((c) => [c, row[`c_${c}`]]));
      return { session: db().records.session(row), customer: db().records.customer(customerRow) };
    },
    async touchSession(sid, now) {
      // The liveness test is the WHERE of the write itself: a revoke that commits first makes this match nothing,
      // so a refresh that returns a session was ordered before any revoke.
      const rows = await db().all(
        `update sessions set refreshed_at = ? where sid = ? and revoked_at is null and expires_at > ?
         returning ${SESSION_COLUMNS}`,
        [ms(now), sid, ms(now)],
      );
      return rows.length === 0 ? null : db().records.session(rows[0]);
    },
    async revokeSession(sid, now) {
      // Conditional on "not yet revoked": of racing revokes exactly one changes the row.
      const changed = await db().run('update sessions set revoked_at = ? where sid = ? and revoked_at is null', [
        ms(now),
        sid,
      ]);
      return changed === 1;
    },
    async revokeSessionsBySigningKey(tenant, signingKid, now) {
      return db().run(
        `update sessions set revoked_at = ?
         where tenant = ? and signing_kid = ? and revoked_at is null and expires_at > ?`,
        [ms(now), tenant, signingKid, ms(now)],
      );
    },

    reserveJti(input) {
      return insertJti(db(), input);
    },

    hitRateLimit(key, windowMs, now) {
      return addHits(key, windowMs, now, 1);
    },
    async reserveRateLimit(key, windowMs, now, amount) {
      if (!Number.isInteger(amount) || amount < 1) throw new RangeError('amount must be a positive integer');
      return addHits(key, windowMs, now, amount);
    },

    async createMagicLink(token) {
      await db().run(`insert into magic_links (${MAGIC_LINK_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)`, [
        token.tokenHash,
        token.tenant,
        token.embedKeyId,
        token.email,
        token.returnUrl,
        ms(token.createdAt),
        ms(token.expiresAt),
        nullableMs(token.usedAt),
      ]);
    },
    async consumeMagicLink({ tokenHash, tenant, embedKeyId, now }) {
      // Every condition sits in the WHERE of one UPDATE, so the check and the marking are one atomic step: of
      // racing consumes (any processes) the database lets exactly one change the row, and the row count
      // (the row RETURNING hands back) decides the winner. A refused consume matches nothing and writes nothing.
      const rows = await db().all(
        `update magic_links set used_at = ?
         where token_hash = ? and tenant = ? and embed_key_id = ? and used_at is null and expires_at > ?
         returning ${MAGIC_LINK_COLUMNS}`,
        [ms(now), tokenHash, tenant, embedKeyId, ms(now)],
      );
      return rows.length === 1 ? db().records.magicLink(rows[0]) : null;
    },
    async getMagicLink(tokenHash) {
      const [row] = await db().read(`select ${MAGIC_LINK_COLUMNS} from magic_links where token_hash = ?`, [tokenHash]);
      return row ? db().records.magicLink(row) : null;
    },
  };
}
