import Fastify from 'fastify';
import { bridgeFrameworkErrors, fastifyBridge } from '../adapters/fastify.js';
import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';
import type { Mount } from './http/fixture.js';

const mountFastify: Mount = async (bridge) => {
  const app = Fastify({ frameworkErrors: bridgeFrameworkErrors('/aforo') });
  await app.register(fastifyBridge, { bridge, prefix: '/aforo' });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
};

httpContract('fastify', mountFastify);
magicLinkContract('fastify', mountFastify);
