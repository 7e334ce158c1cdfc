import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import Fastify, { type FastifyPluginAsync } from 'fastify';
import Koa from 'koa';
import { koaBridge } from '../adapters/koa.js';
import { readBody } from '../adapters/node-body.js';
import type { Bridge } from '../lib/bridge.js';
import type { Floor, FloorAnswer } from './floor.js';
import { PREFIX } from './shared.js';

export const FRAMEWORKS = ['koa', 'express', 'fastify'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface Listening {
  port: number;
  close(): Promise<void>;
}


/** Whether the framework's adapter file is in the tree (Express and Fastify are written separately). */
export function hasAdapter(framework: Framework): boolean {
  return existsSync(new URL(`../adapters/${framework}.ts`, import.meta.url));
}

// The adapter may not exist when this file is type-checked, so it is imported by a computed specifier and its
// export checked at run time.
async function adapterExport(framework: Framework, name: string): Promise<unknown> {
  const specifier = new URL(`../adapters/${framework}.js`, import.meta.url).href;
  const mod = (await import(specifier)) as Record<string, unknown>;
  if (typeof mod[name] !== 'function') throw new Error(`adapters/${framework}.ts does not export ${name}`);
  return mod[name];
}

function listen(server: Server): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

async function mountKoa(bridge: Bridge, floor: Floor): Promise<Listening> {
  const app = new Koa();
  app.use(koaBridge(bridge, { prefix: PREFIX }));
  // Koa has no body parser of its own; the floor reads the body with the same capped reader the adapter uses.
  app.use(async (ctx, next) => {
    let answer: FloorAnswer;
    if (ctx.method === 'POST' && ctx.path === '/floor/exchange') {
      const raw = await readBody(ctx.req);
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw.toString('utf8')) : null;
      } catch {
        body = null;
      }
      answer = await floor.exchange(body);
    } else if (ctx.method === 'GET' && ctx.path === '/floor/me') {
      answer = await floor.me(ctx.get('authorization'));
    } else {
      return next();
    }
    ctx.status = answer.status;
    ctx.body = answer.body;
  });
  return listen(createServer(app.callback()));
}

async function mountExpress(bridge: Bridge, floor: Floor): Promise<Listening> {
  const expressBridge = (await adapterExport('express', 'expressBridge')) as (bridge: Bridge) => RequestHandler;
  const app = express();
  app.disable('x-powered-by');
  app.use(PREFIX, expressBridge(bridge));
  app.post('/floor/exchange', express.json({ limit: '16kb' }), async (req, res) => {
    const answer = await floor.exchange(req.body);
    res.status(answer.status).json(answer.body);
  });
  app.get('/floor/me', async (req, res) => {
    const answer = await floor.me(req.get('authorization'));
    res.status(answer.status).json(answer.body);
  });
  return listen(createServer(app));
}

async function mountFastify(bridge: Bridge, floor: Floor): Promise<Listening> {
  const fastifyBridge = (await adapterExport('fastify', 'fastifyBridge')) as FastifyPluginAsync<{ bridge: Bridge }>;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  await app.register(fastifyBridge, { bridge, prefix: PREFIX });
  app.post('/floor/exchange', async (req, reply) => {
    const answer = await floor.exchange(req.body);
    return reply.code(answer.status).send(answer.body);
  });
  app.get('/floor/me', async (req, reply) => {
    const answer = await floor.me(req.headers.authorization);
    return reply.code(answer.status).send(answer.body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

/** Mounts the engine under `/aforo` and the floor routes at `/floor/*` in one app of the given framework. */
export function mount(framework: Framework, bridge: Bridge, floor: Floor): Promise<Listening> {
  if (framework === 'express') return mountExpress(bridge, floor);
  if (framework === 'fastify') return mountFastify(bridge, floor);
  return mountKoa(bridge, floor);
}
