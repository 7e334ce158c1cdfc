import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { expressBridge } from '../../adapters/express.js';
import { bridgeFrameworkErrors, fastifyBridge } from '../../adapters/fastify.js';
import { koaBridge } from '../../adapters/koa.js';
import type { Mount } from './fixture.js';

/** The engine under `/aforo` in each framework, on 127.0.0.1 and a free port: what the contract suites run on. */
async function listening(server: Server): Promise<{ baseUrl: string; close(): Promise<void> }> {
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const mountKoa: Mount = async (bridge) => {
  const app = new Koa();
  app.use(koaBridge(bridge, { prefix: '/aforo' }));
  return listening(app.listen(0, '127.0.0.1'));
};

export const mountExpress: Mount = async (bridge) => {
  const app = express();
  app.use('/aforo', expressBridge(bridge));
  return listening(app.listen(0, '127.0.0.1'));
};

export const mountFastify: Mount = async (bridge) => {
  const app = Fastify({ frameworkErrors: bridgeFrameworkErrors('/aforo') });
  await app.register(fastifyBridge, { bridge, prefix: '/aforo' });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
};
