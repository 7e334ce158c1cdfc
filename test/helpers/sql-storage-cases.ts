/**
 * Tests of the SQL storage beyond the conformance suite, run against SQLite and Postgres: schema versions and
 * migrations, values that SQL quoting could mangle, and the SQLite file set-up.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Session } from '../../lib/types.js';
import type { SqlStorage } from '../../storage/sql/sql-storage.js';
import { SCHEMA_VERSION } from '../../storage/sql/migrations/index.js';
import { sqliteStorage } from '../../storage/sqlite.js';

/**
 * Undoes migrations 2 to 5 on a current database, leaving what release 1 left: no offering position, no resume-key
 * column or nonces, no change feed, no subscriptions or usage records, version 1, and only v001 recorded as run.
 */
async function backToVersion1(dialect: string, db: SqlTestDatabase): Promise<void> {
  const watched = ['embed_keys', 'signing_keys', 'tenants', 'sessions', 'customers'];
  const feed =
    dialect === 'sqlite'
      ? [...watched.map((table) => `drop trigger ${table}_changed`), 'drop table aforo_changes']
      : watched.flatMap((table) => [`drop trigger ${table}_changed on ${table}`, `drop function ${table}_notify()`]);
  for (const sql of [
    'drop table usage_records', 'drop table subscriptions',
    ...feed,
    'drop table resume_nonces', 'drop index sessions_jkt', 'alter table sessions drop column jkt',
    'alter table offerings drop column position',
    // Version 1 kept its version number in a table of its own as well (dropped by v006).
    'create table aforo_schema (id integer primary key, version integer not null)', 'insert into aforo_schema (id, version) values (1, 1)',
    "delete from aforo_migrations where name <> 'v001_initial'",
  ]) await db.exec(sql);
}

/** The schema version the migrator's ledger records: the highest `vNNN_` migration applied. */
async function ledgerVersion(db: SqlTestDatabase): Promise<number> {
  const rows = (await db.exec('select name from aforo_migrations')) as Array<{ name: string }>;
  return Math.max(0, ...rows.map((row) => Number(/^v(\d{3})_/.exec(row.name)?.[1] ?? 0)));
}

async function hasTable(dialect: string, db: SqlTestDatabase, table: string): Promise<boolean> {
  const rows = dialect === 'sqlite'
    ? await db.exec(`select name from sqlite_master where type = 'table' and name = '${table}'`)
    : await db.exec(`select 1 as found where to_regclass('${table}') is not null`);
  return rows.length > 0;
}

/** One database of its own: storages on it, and raw SQL against it. */
export interface SqlTestDatabase {
  storage(options?: { migrate?: boolean }): SqlStorage;
  exec(sql: string): Promise<unknown[]>;
}

const now = new Date('2026-01-01T00:00:00.123Z');
const unique = (prefix: string): string => `${prefix}${randomBytes(6).toString('hex')}`;

/** Cases that hold for every SQL backend; `fresh()` gives an empty database each time. */
export function sqlStorageCases(name: string, fresh: () => Promise<SqlTestDatabase>): void {
  describe(`${name} storage: schema and values`, () => {
    it('init: creates the schema on an empty database and records the current schema version', async () => {
      const db = await fresh();
      const storage = db.storage();
      await storage.init();
      await storage.init();
      await storage.close();
      assert.equal(await ledgerVersion(db), SCHEMA_VERSION);
      assert.equal(await hasTable(name, db, 'aforo_schema'), false, 'one schema ledger: the migrator\'s');
    });

    it('init: a database written by a newer schema version is refused with a clear error', async () => {
      const db = await fresh();
      const first = db.storage();
      await first.init();
      await first.close();
      await db.exec(`insert into aforo_migrations (name, executed_at) values ('v${String(SCHEMA_VERSION + 1).padStart(3, '0')}_from_a_newer_release', current_timestamp)`);
      const newer = new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this release knows`);
      await assert.rejects(db.storage().init(), newer);
      await assert.rejects(db.storage({ migrate: false }).init(), newer);
      const cli = db.storage({ migrate: false });
      await assert.rejects(cli.migrate(), newer);
      await cli.close();
    });

    it('migrate: a database at schema version 1 gains the resume-key column and the resume nonces, and keeps its sessions', async () => {
      const db = await fresh();
      const first = db.storage();
      await first.init();
      await first.createTenant({ slug: 'upgrade', name: 'Upgrade', branding: {}, magicLink: {}, createdAt: now });
      await first.upsertCustomer({ tenant: 'upgrade', externalId: 'c1', newId: 'cus_up', now }, 'keep');
      const session: Session = {
        sid: unique('sid_'), tenant: 'upgrade', customerId: 'cus_up', embedKeyId: 'ek_test_up', method: 'magic_link', signingKid: null,
        createdAt: now, refreshedAt: now, expiresAt: new Date(now.getTime() + 86_400_000), revokedAt: null,
      };
      await first.createSession(session);
      await first.close();
      await backToVersion1(name, db);
      const storage = db.storage();
      await storage.init();
      assert.equal(await ledgerVersion(db), SCHEMA_VERSION);
      assert.equal(await hasTable(name, db, 'aforo_schema'), false);
      assert.deepEqual(await storage.getSession(session.sid), session);
      assert.equal(await storage.bindSessionKey(session.sid, 'jkt-upgrade'), true);
      assert.equal((await storage.getSessionByKey('upgrade', 'jkt-upgrade'))?.session.sid, session.sid);
      await storage.createResumeNonce({ nonceHash: 'n'.repeat(64), tenant: 'upgrade', embedKeyId: 'ek_test_up', createdAt: now, expiresAt: new Date(now.getTime() + 60_000) });
      assert.equal(await storage.consumeResumeNonce({ nonceHash: 'n'.repeat(64), tenant: 'upgrade', embedKeyId: 'ek_test_up', now }), true);
      await storage.close();
    });

    it('migrate: false refuses an unmigrated database, and migrate() brings it to the current version', async () => {
      const db = await fresh();
      await assert.rejects(db.storage({ migrate: false }).init(), /schema version 0; .*aforo-bridge migrate/);
      const cli = db.storage({ migrate: false });
      assert.deepEqual(await cli.migrate(), { from: 0, to: SCHEMA_VERSION });
      assert.deepEqual(await cli.migrate(), { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      await cli.close();
      const storage = db.storage({ migrate: false });
      await storage.init();
      assert.equal(await storage.getTenant('nobody'), null);
      await storage.close();
    });

    it('migrate: a version 1 database gets offering positions (0 for existing offerings, which keep their order by name)', async () => {
      const db = await fresh();
      const first = db.storage();
      await first.init();
      await first.close();
      await backToVersion1(name, db);
      await db.exec(`insert into tenants (slug, name, branding, magic_link, created_at) values ('old', 'Old', '{}', '{}', 0)`);
      for (const [id, name] of [['b', 'Beta'], ['a', 'Alpha']]) {
        await db.exec(`insert into offerings (tenant, id, name, description, status, rate_plans, updated_at) values ('old', '${id}', '${name}', '', 'PUBLISHED', '[]', 0)`);
      }
      const cli = db.storage({ migrate: false });
      assert.deepEqual(await cli.migrate(), { from: 1, to: SCHEMA_VERSION });
      await cli.close();
      const storage = db.storage({ migrate: false });
      await storage.init();
      assert.deepEqual((await storage.listOfferings('old', {})).map((o) => [o.id, o.position]), [['a', 0], ['b', 0]]);
      await storage.close();
    });

    it('a method called before init() throws, naming init()', async () => {
      const storage = (await fresh()).storage();
      await assert.rejects(storage.getTenant('acme'), /call init\(\) first/);
    });

    it('text with quotes, backslashes, placeholders and non-ASCII round-trips unchanged', async () => {
      const storage = (await fresh()).storage();
      await storage.init();
      try {
        const tricky = `O'Brien "q" \\ \\' ? ?? $1 :name %s -- /* ; é ü 日本 😀 \t\n end`;
        const slug = unique('t-');
        await storage.createTenant({
          slug,
          name: tricky,
          branding: { logoUrl: tricky, primaryColor: '#000000' },
          magicLink: { from: tricky },
          createdAt: now,
        });
        assert.deepEqual(await storage.getTenant(slug), {
          slug,
          name: tricky,
          branding: { logoUrl: tricky, primaryColor: '#000000' },
          magicLink: { from: tricky },
          createdAt: now,
        });
        const result = await storage.upsertCustomer(
          { tenant: slug, externalId: tricky, newId: unique('cus_'), email: `${tricky}@x`, name: tricky, now },
          'fail',
        );
        assert.notEqual(result, 'email_taken');
        assert.equal((await storage.getCustomerByExternalId(slug, tricky))?.name, tricky);
        assert.equal((await storage.getCustomerByEmail(slug, `${tricky.toUpperCase()}@X`))?.externalId, tricky);
        await storage.appendAudit({ id: unique('ev_'), tenant: slug, type: tricky, at: now, ip: null, userAgent: tricky, data: { tricky, n: [1, null, true] } });
        const [event] = await storage.listAudit({ tenant: slug, type: tricky, limit: 1 });
        assert.deepEqual(event.data, { tricky, n: [1, null, true] });
        assert.equal(event.userAgent, tricky);
      } finally {
        await storage.close();
      }
    });

    it('dates far from now and amounts past 2^31 round-trip exactly', async () => {
      const storage = (await fresh()).storage();
      await storage.init();
      try {
        const tenant = unique('t-');
        const issuedAt = new Date(Date.UTC(2199, 11, 31, 23, 59, 59, 999));
        const invoice = {
          id: unique('in_'),
          tenant,
          customerId: unique('cus_'),
          number: 'INV-1',
          status: 'OPEN' as const,
          amountDueCents: 2 ** 40 + 7,
          amountPaidCents: 0,
          currency: 'USD',
          issuedAt,
          dueAt: new Date(-86_400_000 + 1),
          pdfUrl: null,
          hostedUrl: null,
        };
        await storage.putInvoice(invoice);
        assert.deepEqual(await storage.listInvoices({ tenant, customerId: invoice.customerId, limit: 5 }), [invoice]);
      } finally {
        await storage.close();
      }
    });

    it('a write that has answered is seen by every lookup issued after it, with many callers at once', async () => {
      const storage = (await fresh()).storage();
      await storage.init();
      try {
        const tenant = unique('t-');
        const later = new Date(now.getTime() + 60_000);
        await Promise.all(
          Array.from({ length: 40 }, async () => {
            const sid = unique('s-');
            await storage.createSession(session(tenant, sid));
            assert.equal((await storage.getSession(sid))?.revokedAt, null);
            assert.equal(await storage.revokeSession(sid, later), true);
            assert.deepEqual((await storage.getSession(sid))?.revokedAt, later);
          }),
        );
      } finally {
        await storage.close();
      }
    });

    it('single writes racing transactions all land, and one signing key ends ACTIVE', async () => {
      const storage = (await fresh()).storage();
      await storage.init();
      try {
        const tenant = unique('t-');
        const kids = Array.from({ length: 6 }, () => unique('k-'));
        for (const kid of kids) {
          await storage.createSigningKey({
            kid,
            tenant,
            alg: 'HS256',
            status: 'NEXT',
            sealedSecret: 'plain:x',
            publicKeyPem: null,
            createdAt: now,
            promotedAt: null,
            revokedAt: null,
          });
        }
        const events = Array.from({ length: 60 }, (_, i) => ({
          id: unique(`ev-${String(i).padStart(2, '0')}-`),
          tenant,
          type: 'race',
          at: now,
          ip: null,
          userAgent: null,
          data: { i },
        }));
        const promotions = await Promise.all([
          ...kids.map((kid) => storage.promoteSigningKey(tenant, kid, now)),
          ...events.map(async (event) => {
            await storage.appendAudit(event);
            return 'written' as const;
          }),
        ]);
        assert.equal(promotions.filter((result) => result === 'written').length, events.length);
        assert.equal((await storage.listAudit({ tenant, type: 'race', limit: 100 })).length, events.length);
        const statuses = (await storage.listSigningKeys(tenant)).map((key) => key.status);
        assert.equal(statuses.filter((status) => status === 'ACTIVE').length, 1);
        assert.equal(statuses.filter((status) => status === 'RETIRING').length, kids.length - 1);
      } finally {
        await storage.close();
      }
    });
  });
}

function session(tenant: string, sid: string): Session {
  return {
    sid,
    tenant,
    customerId: 'cus_1',
    embedKeyId: 'ek_1',
    method: 'bridge',
    signingKid: 'k1',
    createdAt: now,
    refreshedAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    revokedAt: null,
  };
}

/** The SQLite cases: files in `dir`, each test on a file of its own. */
export function sqliteStorageCases(dir: string): void {
  const fresh = async (): Promise<SqlTestDatabase> => {
    const path = join(dir, `${unique('case-')}.db`);
    return {
      storage: (options = {}) => sqliteStorage({ path, ...options }),
      exec: (sql) =>
        withSqlite(path, async (db) => {
          const statement = db.prepare(sql);
          if (statement.reader) return statement.all();
          statement.run();
          return [];
        }),
    };
  };

  sqlStorageCases('sqlite', fresh);

  describe('sqliteStorage: the file', () => {
    it('is created with its folder on first start, in WAL mode', async () => {
      const path = join(dir, unique('nested-'), 'deeper', 'aforo.db');
      const storage = sqliteStorage({ path });
      await storage.init();
      await storage.close();
      const header = await readFile(path);
      assert.equal(header.subarray(0, 15).toString('latin1'), 'SQLite format 3');
      // Header bytes 18 and 19 (file format write and read versions) are 2 exactly when the journal is WAL.
      assert.deepEqual([header[18], header[19]], [2, 2]);
    });

    it('two storages on one file see each other’s writes', async () => {
      const path = join(dir, `${unique('shared-')}.db`);
      const first = sqliteStorage({ path });
      const second = sqliteStorage({ path });
      await Promise.all([first.init(), second.init()]);
      try {
        const slug = unique('t-');
        const tenant = { slug, name: 'Acme', branding: {}, magicLink: {}, createdAt: now };
        assert.equal(await first.createTenant(tenant), true);
        assert.equal(await second.createTenant(tenant), false);
        assert.deepEqual(await second.getTenant(slug), tenant);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });

    it('an in-memory database or a file: URI is refused when the storage is made, naming what to use', () => {
      assert.throws(() => sqliteStorage({ path: ':memory:' }), /in-memory database is not supported.*memoryStorage\(\)/);
      for (const path of [`file:${join(dir, 'uri.db')}`, 'FILE:relative.db', 'file::memory:?cache=shared']) {
        assert.throws(() => sqliteStorage({ path }), /not a file: URI/, path);
      }
    });

    // SQLite alone would leave a commit in the WAL until it held 10,000 pages (wal_autocheckpoint) or the last
    // connection closed; the database file by itself, copied while the storage is open, would not have it.
    const reachesFile = async (storage: SqlStorage, file: string): Promise<void> => {
      const slug = unique('t-');
      assert.equal(await storage.createTenant({ slug, name: 'Acme', branding: {}, magicLink: {}, createdAt: now }), true);
      const deadline = Date.now() + 5000;
      let found = false;
      while (!found && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const copy = join(dir, `${unique('checkpoint-copy-')}.db`);
        await copyFile(file, copy);
        try {
          found = await withSqlite(copy, async (db) => db.prepare('select 1 from tenants where slug = ?').get(slug) !== undefined);
        } catch {
          // A copy taken in the middle of a checkpoint's writes may not open; the next one will.
        }
      }
      assert.ok(found, 'the tenant row never reached the database file while the storage was open');
    };

    it('a commit reaches the database file from the checkpoint thread, while the storage is open', async () => {
      const path = join(dir, `${unique('checkpoint-')}.db`);
      const storage = sqliteStorage({ path });
      await storage.init();
      try {
        await reachesFile(storage, path);
      } finally {
        await storage.close();
      }
    });

    it('a relative path is checkpointed in the folder it was opened in, after the process changes directory', async () => {
      const name = `${unique('checkpoint-relative-')}.db`;
      const elsewhere = await mkdtemp(join(tmpdir(), 'aforo-elsewhere-'));
      const start = process.cwd();
      process.chdir(dir);
      // A database that exists already (a restart): init is quick, and returns before the thread has booted.
      const first = sqliteStorage({ path: name });
      await first.init();
      await first.close();
      const storage = sqliteStorage({ path: name });
      try {
        await storage.init();
        // The checkpoint thread is still booting: a path it resolved itself would now name a file in `elsewhere`.
        process.chdir(elsewhere);
        await reachesFile(storage, join(dir, name));
      } finally {
        process.chdir(start);
        await storage.close();
        await rm(elsewhere, { recursive: true, force: true });
      }
    });

    it('isOriginAllowedByAnyKey is an index lookup, not a scan of the keys', async () => {
      const path = join(dir, `${unique('plan-')}.db`);
      const storage = sqliteStorage({ path });
      await storage.init();
      await storage.close();
      const plan = (await withSqlite(path, async (db) =>
        db.prepare(
          `explain query plan select 1 as found from embed_key_origins o join embed_keys k on k.id = o.embed_key_id
           where o.origin = ? and k.status = 'ACTIVE' limit 1`,
        ).all('https://app.example'),
      )) as { detail: string }[];
      const details = plan.map((step) => step.detail);
      assert.ok(details.some((detail) => /INDEX embed_key_origins_origin \(origin=\?\)/.test(detail)), details.join('; '));
      assert.ok(details.every((detail) => !detail.startsWith('SCAN')), details.join('; '));
    });
  });
}

async function withSqlite<T>(path: string, work: (db: Database.Database) => Promise<T>): Promise<T> {
  const db = new Database(path, { timeout: 5000 });
  try {
    return await work(db);
  } finally {
    db.close();
  }
}

