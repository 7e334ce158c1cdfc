import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Koa from 'koa';
import { koaBridge } from '../adapters/koa.js';
import { sqliteStorage } from '../storage/sqlite.js';
import type { Mount } from './http/fixture.js';
import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';

// The engine's HTTP contract once more, on a real SQLite file instead of memory.
const dir = join(tmpdir(), `aforo-http-sqlite-${randomBytes(6).toString('hex')}`);
after(() => rm(dir, { recursive: true, force: true }));
let n = 0;
const makeStorage = async () => sqliteStorage({ path: join(dir, `http-${n++}.db`) });

const mountKoa: Mount = async (bridge) => {
  const app = new Koa();
  app.use(koaBridge(bridge, { prefix: '/aforo' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

httpContract('koa on sqlite', mountKoa, makeStorage);
magicLinkContract('koa on sqlite', mountKoa, makeStorage);
