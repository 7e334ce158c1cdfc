import { Migration } from '@mikro-orm/migrations';
import type { MigrationClass } from './v001-initial.js';

/**
 * Offerings get a `position` that orders them in widgets (ascending, ties by name). Existing offerings take 0, so
 * their order stays what it was (by name) until a tenant sets one. The statements are the same on both dialects.
 */
export function v002OfferingPosition(): MigrationClass {
  return class V002OfferingPosition extends Migration {
    override up(): void {
      this.addSql('alter table offerings add column position integer not null default 0');
      this.addSql('update aforo_schema set version = 2 where id = 1');
    }
  };
}
