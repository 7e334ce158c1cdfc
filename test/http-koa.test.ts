import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { koaBridge } from '../adapters/koa.js';
import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';
import type { Mount } from './http/fixture.js';

const mountKoa: Mount = async (bridge) => {
  const app = new Koa();
  app.use(koaBridge(bridge, { prefix: '/aforo' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

httpContract('koa', mountKoa);
magicLinkContract('koa', mountKoa);
