import { Migration } from '@mikro-orm/migrations';
import type { MigrationClass } from './v001-initial.js';

/**
 * One schema ledger: the migrator's own table (`aforo_migrations`, one row per applied migration) is the record of
 * the schema version from now on, and `aforo_schema`, which repeated it as a number, goes.
 *
 * The resume-key index becomes partial: bridge sessions carry no key, and a full index stored a NULL entry for each
 * of them, one more B-tree written by every exchange for nothing. Unique keys are still refused on both dialects
 * (resume.ts relies on it), since a partial unique index enforces uniqueness over the rows it covers.
 */
export function v006OneLedger(): MigrationClass {
  return class V006OneLedger extends Migration {
    override up(): void {
      this.addSql('drop index sessions_jkt');
      this.addSql('create unique index sessions_jkt on sessions (jkt) where jkt is not null');
      this.addSql('drop table aforo_schema');
    }
  };
}
