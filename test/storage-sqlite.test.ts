import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { storageConformance } from '../storage/conformance.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { sqliteStorageCases } from './helpers/sql-storage-cases.js';

const dir = join(tmpdir(), `aforo-sqlite-${randomBytes(6).toString('hex')}`);
after(() => rm(dir, { recursive: true, force: true }));

storageConformance('sqlite', async () => sqliteStorage({ path: join(dir, 'conformance.db') }));
sqliteStorageCases(dir);
