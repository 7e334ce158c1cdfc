import type { Storage } from '../../lib/storage.js';
import type { EmbedKey, SigningKey } from '../../lib/types.js';
import type { Row, SqlDatabase, SqlRunner } from './database.js';
import { ms, nullableMs } from './database.js';
import { EMBED_KEY_COLUMNS, SIGNING_KEY_COLUMNS, TENANT_COLUMNS } from './records.js';

type TenantKeyMethods = Pick<
  Storage,
  | 'createTenant'
  | 'getTenant'
  | 'listTenants'
  | 'createEmbedKey'
  | 'getEmbedKey'
  | 'listEmbedKeys'
  | 'updateEmbedKey'
  | 'isOriginAllowedByAnyKey'
  | 'createSigningKey'
  | 'getSigningKey'
  | 'listSigningKeys'
  | 'promoteSigningKey'
  | 'revokeSigningKey'
>;

/** Tenants, embed keys (with their origin index) and tenant signing keys. */
export function tenantKeyMethods(db: () => SqlDatabase): TenantKeyMethods {
  const insertOrigins = async (tx: SqlRunner, id: string, origins: string[]): Promise<void> => {
    for (const origin of new Set(origins)) {
      await tx.run('insert into embed_key_origins (embed_key_id, origin) values (?, ?)', [id, origin]);
    }
  };

  // Takes every signing-key row of the tenant for the rest of the transaction. On Postgres `FOR UPDATE` locks
  // them (in kid order, so two lockers never deadlock) and a racing promote or revoke waits here, then reads
  // the committed result of the one before it. SQLite has no row locks and needs none: the transaction already
  // holds the database's single write lock (BEGIN IMMEDIATE), so writers run one after another.
  const lockTenantKeys = async (tx: SqlRunner, tenant: string): Promise<Row[]> => {
    const forUpdate = db().dialect === 'postgres' ? ' for update' : '';
    return tx.all(`select kid, status from signing_keys where tenant = ? order by kid${forUpdate}`, [tenant]);
  };
  const signingKeyFrom = (rows: Row[]): SigningKey => db().records.signingKey(rows[0]);

  return {
    async createTenant(tenant) {
      // One conditional insert: of racing creations of one slug the primary key lets exactly one row in, and the
      // affected-row count tells each caller whether it was that one.
      const inserted = await db().run(
        `insert into tenants (${TENANT_COLUMNS}) values (?, ?, ?, ?, ?)
         on conflict (slug) do nothing`,
        [tenant.slug, tenant.name, JSON.stringify(tenant.branding), JSON.stringify(tenant.magicLink), ms(tenant.createdAt)],
      );
      return inserted === 1;
    },
    async getTenant(slug) {
      const [row] = await db().read(`select ${TENANT_COLUMNS} from tenants where slug = ?`, [slug]);
      return row ? db().records.tenant(row) : null;
    },
    async listTenants() {
      const rows = await db().read(`select ${TENANT_COLUMNS} from tenants order by slug`);
      return rows.map((row) => db().records.tenant(row));
    },

    async createEmbedKey(key) {
      // The key and its origin rows appear together or not at all.
      await db().transaction(async (tx) => {
        await tx.run(
          `insert into embed_keys (${EMBED_KEY_COLUMNS}) values (?, ?, ?, ?, ?, ?)`,
          [key.id, key.tenant, key.mode, JSON.stringify(key.allowedOrigins), key.status, ms(key.createdAt)],
        );
        await insertOrigins(tx, key.id, key.allowedOrigins);
      });
    },
    async getEmbedKey(id) {
      const [row] = await db().read(`select ${EMBED_KEY_COLUMNS} from embed_keys where id = ?`, [id]);
      return row ? db().records.embedKey(row) : null;
    },
    async listEmbedKeys(tenant) {
      const rows = await db().read(`select ${EMBED_KEY_COLUMNS} from embed_keys where tenant = ? order by created_at, id`, [
        tenant,
      ]);
      return rows.map((row) => db().records.embedKey(row));
    },
    async updateEmbedKey(tenant, id, patch) {
      // The list and its origin rows change in one transaction, so a preflight never sees a key between them.
      return db().transaction(async (tx): Promise<EmbedKey | null> => {
        const sets: string[] = [];
        const params: unknown[] = [];
        if (patch.allowedOrigins !== undefined) {
          sets.push('allowed_origins = ?');
          params.push(JSON.stringify(patch.allowedOrigins));
        }
        if (patch.status !== undefined) {
          sets.push('status = ?');
          params.push(patch.status);
        }
        const rows =
          sets.length === 0
            ? await tx.all(`select ${EMBED_KEY_COLUMNS} from embed_keys where tenant = ? and id = ?`, [tenant, id])
            : await tx.all(
                `update embed_keys set ${sets.join(', ')} where tenant = ? and id = ? returning ${EMBED_KEY_COLUMNS}`,
                [...params, tenant, id],
              );
        if (rows.length === 0) return null;
        if (patch.allowedOrigins !== undefined) {
          await tx.run('delete from embed_key_origins where embed_key_id = ?', [id]);
          await insertOrigins(tx, id, patch.allowedOrigins);
        }
        return db().records.embedKey(rows[0]);
      });
    },
    async isOriginAllowedByAnyKey(origin) {
      // An index probe on embed_key_origins.origin, then the key by primary key: no scan of all keys.
      const rows = await db().read(
        `select 1 as found from embed_key_origins o join embed_keys k on k.id = o.embed_key_id
         where o.origin = ? and k.status = 'ACTIVE' limit 1`,
        [origin],
      );
      return rows.length > 0;
    },

    async createSigningKey(key) {
      await db().run(`insert into signing_keys (${SIGNING_KEY_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        key.tenant,
        key.kid,
        key.alg,
        key.status,
        key.sealedSecret,
        key.publicKeyPem,
        ms(key.createdAt),
        nullableMs(key.promotedAt),
        nullableMs(key.revokedAt),
      ]);
    },
    async getSigningKey(tenant, kid) {
      const [row] = await db().read(`select ${SIGNING_KEY_COLUMNS} from signing_keys where tenant = ? and kid = ?`, [
        tenant,
        kid,
      ]);
      return row ? db().records.signingKey(row) : null;
    },
    async listSigningKeys(tenant) {
      const rows = await db().read(
        `select ${SIGNING_KEY_COLUMNS} from signing_keys where tenant = ? order by created_at, kid`,
        [tenant],
      );
      return rows.map((row) => db().records.signingKey(row));
    },
    async promoteSigningKey(tenant, kid, now) {
      // Check and both status changes happen under the tenant's key lock (see lockTenantKeys): of two racing
      // promotions the second sees the first one's ACTIVE key and retires it, or finds its own key no longer
      // NEXT. One ACTIVE key at any time.
      return db().transaction(async (tx) => {
        const target = (await lockTenantKeys(tx, tenant)).find((row) => row.kid === kid);
        if (!target) return 'not_found' as const;
        if (target.status !== 'NEXT') return 'not_next' as const;
        await tx.run(`update signing_keys set status = 'RETIRING' where tenant = ? and status = 'ACTIVE'`, [tenant]);
        const rows = await tx.all(
          `update signing_keys set status = 'ACTIVE', promoted_at = ? where tenant = ? and kid = ?
           returning ${SIGNING_KEY_COLUMNS}`,
          [ms(now), tenant, kid],
        );
        return signingKeyFrom(rows);
      });
    },
    async revokeSigningKey(tenant, kid, { force, now }) {
      // Counting the keys that still verify and revoking happen under the tenant's key lock, so of two racing
      // revokes of a tenant's last two keys the second counts after the first and is refused.
      return db().transaction(async (tx) => {
        const keys = await lockTenantKeys(tx, tenant);
        const target = keys.find((row) => row.kid === kid);
        if (!target) return 'not_found' as const;
        if (target.status === 'REVOKED') {
          return signingKeyFrom(
            await tx.all(`select ${SIGNING_KEY_COLUMNS} from signing_keys where tenant = ? and kid = ?`, [tenant, kid]),
          );
        }
        const verifying = keys.filter((row) => row.status !== 'REVOKED').length;
        if (!force && verifying <= 1) return 'last_key' as const;
        const rows = await tx.all(
          `update signing_keys set status = 'REVOKED', revoked_at = ? where tenant = ? and kid = ?
           returning ${SIGNING_KEY_COLUMNS}`,
          [ms(now), tenant, kid],
        );
        return signingKeyFrom(rows);
      });
    },
  };
}
