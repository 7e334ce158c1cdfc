import { pruneSqliteChanges } from './change-feed.js';
import type { PruneCounts, Storage } from '../../lib/storage.js';
import type { AuditEvent } from '../../lib/types.js';
import type { SqlDatabase, SqlRunner } from './database.js';
import { ms } from './database.js';
import { AUDIT_COLUMNS, ENGINE_KEY_COLUMNS } from './records.js';

/** Advisory-lock key of the prune round (an arbitrary constant, "aforo" in ASCII). */
const PRUNE_LOCK_ID = 0x61666f726f;

type EngineAuditMethods = Pick<Storage, 'getEngineKey' | 'saveEngineKeyIfAbsent' | 'resealSecret' | 'appendAudit' | 'listAudit' | 'prune'>;

/** Appends one audit row (on its own, or inside a transaction). */
export async function insertAudit(sql: SqlRunner, event: AuditEvent): Promise<void> {
  await sql.run(`insert into audit_events (${AUDIT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)`, [
    event.tenant,
    event.id,
    event.type,
    ms(event.at),
    event.ip,
    event.userAgent,
    JSON.stringify(event.data),
  ]);
}

/** The engine's own key, the audit trail and housekeeping. */
export function engineAuditMethods(db: () => SqlDatabase): EngineAuditMethods {
  const getEngineKey: Storage['getEngineKey'] = async () => {
    const [row] = await db().read(`select ${ENGINE_KEY_COLUMNS} from engine_key where id = 1`);
    return row ? db().records.engineKey(row) : null;
  };

  return {
    getEngineKey,
    async saveEngineKeyIfAbsent(key) {
      // The table holds one row (id = 1). Racing first starts all insert it; the primary key admits the first
      // and the others do nothing, then every process reads back that same row.
      await db().run(
        `insert into engine_key (id, ${ENGINE_KEY_COLUMNS}) values (1, ?, ?, ?, ?, ?)
         on conflict (id) do nothing`,
        [key.kid, key.alg, key.sealedPrivateKey, JSON.stringify(key.publicJwk), ms(key.createdAt)],
      );
      const stored = await getEngineKey();
      if (!stored) throw new Error('the engine key vanished right after it was stored');
      return stored;
    },

    async resealSecret(target, from, to) {
      // The old value is in the WHERE: of racing reseals of one secret the first changes the row, the rest nothing.
      const changed = 'engineKid' in target
        ? await db().run('update engine_key set sealed_private_key = ? where id = 1 and kid = ? and sealed_private_key = ?', [to, target.engineKid, from])
        : await db().run('update signing_keys set sealed_secret = ? where tenant = ? and kid = ? and sealed_secret = ?', [to, target.tenant, target.kid, from]);
      return changed === 1;
    },

    async appendAudit(event) {
      await insertAudit(db(), event);
    },
    async listAudit({ tenant, type, since, limit, before }) {
      if (limit <= 0) return [];
      const where = ['tenant = ?'];
      const params: unknown[] = [tenant];
      if (type !== undefined) {
        where.push('type = ?');
        params.push(type);
      }
      if (since !== undefined) {
        where.push('at >= ?');
        params.push(ms(since));
      }
      if (before !== undefined) {
        where.push('(at < ? or (at = ? and id < ?))');
        params.push(ms(before.at), ms(before.at), before.id);
      }
      const rows = await db().read(
        `select ${AUDIT_COLUMNS} from audit_events where ${where.join(' and ')} order by at desc, id desc limit ?`,
        [...params, limit],
      );
      return rows.map((row) => db().records.auditEvent(row));
    },

    async prune({ now, auditBefore }): Promise<PruneCounts> {
      // Each delete is bounded by a time that the record's own liveness test already treats as dead, so a
      // record that a racing call could still use is never removed.
      const at = ms(now);
      const sweep = async (sql: SqlRunner): Promise<PruneCounts> => ({
        magicLinks: await sql.run('delete from magic_links where expires_at < ?', [at]),
        jtis: await sql.run('delete from jtis where expires_at < ?', [at]),
        rateLimits: await sql.run('delete from rate_limits where window_end < ?', [at]),
        sessions: await sql.run('delete from sessions where expires_at < ?', [at]),
        resumeNonces: await sql.run('delete from resume_nonces where expires_at < ?', [at]),
        audit: await sql.run('delete from audit_events where at < ?', [ms(auditBefore)]),
      });
      const database = db();
      if (database.dialect === 'sqlite') {
        await pruneSqliteChanges(database, now);
        return sweep(database);
      }
      // On shared Postgres one process prunes at a time: the others find the advisory lock taken and skip this
      // round rather than deleting the same rows in parallel. The lock ends with the transaction.
      return database.transaction(async (tx) => {
        const [row] = await tx.all('select pg_try_advisory_xact_lock(?) as locked', [PRUNE_LOCK_ID]);
        return row?.locked ? sweep(tx) : { magicLinks: 0, jtis: 0, rateLimits: 0, sessions: 0, resumeNonces: 0, audit: 0 };
      });
    },
  };
}
