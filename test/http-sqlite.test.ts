import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { sqliteStorage } from '../storage/sqlite.js';
import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';
import { mountKoa } from './http/mounts.js';

// The engine's HTTP contract once more, on a real SQLite file instead of memory.
const dir = join(tmpdir(), `aforo-http-sqlite-${randomBytes(6).toString('hex')}`);
after(() => rm(dir, { recursive: true, force: true }));
let n = 0;
const makeStorage = async () => sqliteStorage({ path: join(dir, `http-${n++}.db`) });

httpContract('koa on sqlite', mountKoa, makeStorage);
magicLinkContract('koa on sqlite', mountKoa, makeStorage);
