import type { MigrationObject } from '@mikro-orm/core';
import type { SqlDialect } from '../dialect.js';
import { v001Initial } from './v001-initial.js';
import { v002OfferingPosition } from './v002-offering-position.js';
import { v003Resume } from './v003-resume.js';
import { v004ChangeFeed } from './v004-change-feed.js';
import { v005Subscriptions } from './v005-subscriptions.js';
import { v006OneLedger } from './v006-one-ledger.js';

export { SCHEMA_VERSION } from './version.js';

/**
 * The migrations in order, handed to the migrator as an explicit list (no file-glob discovery, which would differ
 * between running the TypeScript sources and the compiled `dist`).
 */
export function migrationsFor(dialect: SqlDialect): MigrationObject[] {
  return [
    { name: 'v001_initial', class: v001Initial(dialect) },
    { name: 'v002_offering_position', class: v002OfferingPosition() },
    { name: 'v003_resume', class: v003Resume(dialect) },
    { name: 'v004_change_feed', class: v004ChangeFeed(dialect) },
    { name: 'v005_subscriptions', class: v005Subscriptions(dialect) },
    { name: 'v006_one_ledger', class: v006OneLedger() },
  ];
}
