import type { AddressInfo } from 'node:net';
import express from 'express';
import { expressBridge } from '../adapters/express.js';
import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';
import type { Mount } from './http/fixture.js';

const mountExpress: Mount = async (bridge) => {
  const app = express();
  app.use('/aforo', expressBridge(bridge));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

httpContract('express', mountExpress);
magicLinkContract('express', mountExpress);
