import { Migration } from '@mikro-orm/migrations';
import type { SqlDialect } from '../dialect.js';
import type { MigrationClass } from './v001-initial.js';

/**
 * Resumable magic-link sessions (SPEC section 9): the thumbprint of a session's resume key, unique so one key
 * resumes one session, and the one-time resume nonces. Additive only: a release before it ignores both.
 */
export function resumeSchema(dialect: SqlDialect): string[] {
  const t = dialect === 'postgres' ? 'text collate "C"' : 'text';
  return [
    `alter table sessions add column jkt ${t}`,
    // Several NULLs are allowed by a unique index on both backends: bridge sessions carry none.
    `create unique index sessions_jkt on sessions (jkt)`,
    `create table resume_nonces (nonce_hash ${t} primary key, tenant ${t} not null, embed_key_id ${t} not null,
      created_at bigint not null, expires_at bigint not null)`,
    `create index resume_nonces_expires on resume_nonces (expires_at)`,
    `update aforo_schema set version = 3 where id = 1`,
  ];
}

/** Builds the class of migration 3 for one dialect. */
export function v003Resume(dialect: SqlDialect): MigrationClass {
  return class V003Resume extends Migration {
    override up(): void {
      for (const sql of resumeSchema(dialect)) this.addSql(sql);
    }
  };
}
