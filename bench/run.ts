import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, type ServerChild } from './child.js';
import type { Framework } from './frameworks.js';
import { measurePair, measureTogether, type LoadFigures, type LoadSettings, type LoadTarget } from './load.js';
import { startServe } from './serve.js';
import { postgresUrl } from './storages.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { timeMagicLink } from './magic-link.js';
import { readOptions } from './options.js';
import { magicLinkTable, table, type Row } from './report.js';
import { embedHeaders, magicToken, PREFIX, type ServerInfo } from './shared.js';
import type { StorageName } from './storages.js';
import { TokenPool } from './tokens.js';
import { VERIFIED_MAX } from '../lib/session-tokens.js';

// `npm run bench [-- --duration 5 --connections 10 --framework koa|express|fastify|all --storage memory|sqlite|postgres|all]`
// Prints figures and ratios to floors measured in the same run. It never fails on a number: the exit code is 1 only
// when something went wrong (a non-2xx answer in a measured route, a server that would not start).

const problems: string[] = [];
const run = promisify(execFile);

/** Targets: the engine route against its floor, per storage. */
const EXCHANGE_TARGETS: Record<StorageName, number> = { memory: 0.9, sqlite: 0.8, postgres: 0.6 };
const EXCHANGE_TARGET = EXCHANGE_TARGETS.memory;
const ME_TARGET = 0.9;
/** serve against the engine in a bare app: within 15 %. */
const SERVE_TARGET = 0.85;
/** Two serve processes on one Postgres against one. */
const SCALE_OUT_TARGET = 1.6;
/** Seeded sign-in links on the SQLite server: more than one run of the magic-link exchange can redeem. */
const MAGIC_LINKS = 40_000;
const MAGIC_PATH = `${PREFIX}/v1/embed/auth/magic-link/exchange`;

function check(label: string, figures: LoadFigures): void {
  if (figures.failures > 0) {
    const codes = Object.entries(figures.statusCodes).map(([code, n]) => `${n} x ${code}`).join(', ');
    problems.push(`${label}: ${figures.failures} failed requests (${codes || 'connection errors or timeouts'})`);
  }
}

async function postJson(info: ServerInfo, path: string, body: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${info.port}${path}`, {
    method: 'POST',
    headers: { ...embedHeaders(info), 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  const { sessionJwt } = JSON.parse(text) as { sessionJwt?: unknown };
  if (typeof sessionJwt !== 'string') throw new Error(`POST ${path} gave no sessionJwt`);
  return sessionJwt;
}

interface ServerFigures {
  exchange: LoadFigures;
  exchangeFloor: LoadFigures;
  me: LoadFigures;
  meFloor: LoadFigures;
  /** /me with a different session JWT per request, more of them than the engine keeps verified: every call verifies. */
  meCold: LoadFigures;
  meColdFloor: LoadFigures;
}

/** More sessions than the engine keeps verified JWTs of, cycled in order, so no /me call finds its JWT kept. */
const COLD_SESSIONS = VERIFIED_MAX + 1_000;

/** `count` session JWTs for the returning customer, made by the engine's own exchange, a few at a time. */
async function sessionJwts(info: ServerInfo, count: number): Promise<string[]> {
  const tokens = new TokenPool(info, false);
  await tokens.fill(count);
  const jwts: string[] = [];
  while (jwts.length < count) {
    const batch = Math.min(50, count - jwts.length);
    jwts.push(...(await Promise.all(Array.from({ length: batch }, () => postJson(info, BRIDGE_PATH, tokens.body())))));
  }
  return jwts;
}

const BRIDGE_PATH = `${PREFIX}/v1/embed/auth/bridge`;
const ME_PATH = `${PREFIX}/v1/embed/me`;

/** Measures the engine's exchange and /me on one server, each interleaved with its floor on the same server. */
async function measureServer(info: ServerInfo, load: LoadSettings): Promise<ServerFigures> {
  const tag = `${info.framework}/${info.storage}`;
  const engineTokens = new TokenPool(info, false);
  const floorTokens = new TokenPool(info, true);
  await engineTokens.ensure(0);
  await floorTokens.ensure(0);
  // This first exchange also makes the session the /me runs use.
  const sessionJwt = await postJson(info, BRIDGE_PATH, engineTokens.body());
  const floorJwt = await postJson(info, '/floor/exchange', floorTokens.body());
  const headers = embedHeaders(info);

  const [exchange, exchangeFloor] = await measurePair(
    info,
    { method: 'POST', path: BRIDGE_PATH, headers, body: () => engineTokens.body(), prepare: (s) => engineTokens.ensure(s) },
    { method: 'POST', path: '/floor/exchange', headers, body: () => floorTokens.body(), prepare: (s) => floorTokens.ensure(s) },
    load,
  );
  check(`${tag} exchange`, exchange);
  check(`${tag} floor exchange`, exchangeFloor);
  if (engineTokens.exhausted) problems.push(`${tag} exchange: the pre-minted bridge tokens ran out; the last requests were replays`);

  const [me, meFloor] = await measurePair(
    info,
    { method: 'GET', path: ME_PATH, headers: { ...headers, authorization: `Bearer ${sessionJwt}` } },
    { method: 'GET', path: '/floor/me', headers: { ...headers, authorization: `Bearer ${floorJwt}` } },
    load,
  );
  check(`${tag} /me`, me);
  check(`${tag} floor /me`, meFloor);

  const cold = await sessionJwts(info, COLD_SESSIONS);
  let next = 0;
  const [meCold, meColdFloor] = await measurePair(
    info,
    { method: 'GET', path: ME_PATH, headers, headersEach: () => ({ authorization: `Bearer ${cold[next++ % cold.length]}` }) },
    // The same per-request header work on the load side, so the two differ only in the server.
    { method: 'GET', path: '/floor/me', headers, headersEach: () => ({ authorization: `Bearer ${floorJwt}` }) },
    load,
  );
  check(`${tag} /me, a new JWT per request`, meCold);
  check(`${tag} floor /me beside it`, meColdFloor);
  return { exchange, exchangeFloor, me, meFloor, meCold, meColdFloor };
}

/** The magic-link exchange (one seeded link per request) against the bridge exchange, on one server. */
async function measureMagicExchange(info: ServerInfo, load: LoadSettings): Promise<[LoadFigures, LoadFigures]> {
  const tokens = new TokenPool(info, false);
  let next = 0;
  const magicBody = (): string => {
    if (next >= info.magicLinks) problems.push(`${info.framework}/sqlite magic-link exchange: the seeded links ran out`);
    return JSON.stringify({ token: magicToken(info.magicSeed, next++ % info.magicLinks) });
  };
  const headers = { ...embedHeaders(info), 'content-type': 'application/json' };
  const pair = await measurePair(
    info,
    { method: 'POST', path: MAGIC_PATH, headers, body: magicBody },
    { method: 'POST', path: BRIDGE_PATH, headers, body: () => tokens.body(), prepare: (s) => tokens.ensure(s) },
    load,
  );
  check(`${info.framework}/sqlite magic-link exchange`, pair[0]);
  check(`${info.framework}/sqlite bridge exchange`, pair[1]);
  return pair;
}

/** Exchange and /me through `aforo-bridge serve` (request log on) against the engine in a bare Koa app, both on SQLite. */
async function compareServe(baseline: Framework, load: LoadSettings): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aforo-bench-serve-'));
  try {
    const serve = await startServe(`sqlite:${join(dir, 'serve.db')}`, 'sqlite');
    try {
      await withServer(baseline, 'sqlite', async (bare) => {
        const rows: Row[] = [];
        for (const [label, pair] of [
          ['exchange', await pairAcross(serve.info, bare, 'exchange', load)],
          ['/me', await pairAcross(serve.info, bare, 'me', load)],
        ] as const) {
          rows.push({ label: `${label}, serve`, figures: pair[0], floor: pair[1], target: SERVE_TARGET });
          rows.push({ label: `${label}, engine in bare ${baseline}`, figures: pair[1] });
        }
        console.log(`\naforo-bridge serve (request log on) against the engine mounted in a bare ${baseline} app, both on SQLite, interleaved`);
        console.log(table(rows));
      });
    } finally {
      await serve.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One route on two servers, interleaved: [on a, on b]. */
async function pairAcross(a: ServerInfo, b: ServerInfo, route: 'exchange' | 'me', load: LoadSettings): Promise<[LoadFigures, LoadFigures]> {
  const target = async (info: ServerInfo): Promise<LoadTarget> => {
    if (route === 'exchange') {
      const tokens = new TokenPool(info, false);
      await tokens.ensure(0);
      return { port: info.port, pid: info.pid, method: 'POST', path: BRIDGE_PATH, headers: embedHeaders(info), body: () => tokens.body(), prepare: (s) => tokens.ensure(s) };
    }
    const tokens = new TokenPool(info, false);
    await tokens.ensure(0);
    const sessionJwt = await postJson(info, BRIDGE_PATH, tokens.body());
    return { port: info.port, pid: info.pid, method: 'GET', path: ME_PATH, headers: { ...embedHeaders(info), authorization: `Bearer ${sessionJwt}` } };
  };
  const pair = await measurePair(a, await target(a), await target(b), load);
  check(`serve ${route}`, pair[0]);
  check(`bare ${route}`, pair[1]);
  return pair;
}

/** Exchange throughput of one `serve` process on Postgres, then of two on one database with the load spread over both. */
async function scaleOutPostgres(load: LoadSettings): Promise<void> {
  const database = `aforo_bench_${randomBytes(6).toString('hex')}`;
  const admin = new URL(postgresUrl());
  const sql = async (statement: string): Promise<void> => {
    const driver = 'pg';
    const { default: pg } = (await import(driver)) as { default: { Client: new (url: string) => { connect(): Promise<void>; query(s: string): Promise<unknown>; end(): Promise<void> } } };
    const client = new pg.Client(admin.href);
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await sql(`create database "${database}"`);
  const url = new URL(admin.href);
  url.pathname = `/${database}`;
  try {
    const first = await startServe(url.href, 'postgres');
    try {
      const second = await startServe(url.href, 'postgres', first);
      try {
        const exchangeOn = async (info: ServerInfo): Promise<LoadTarget> => {
          const tokens = new TokenPool(info, false);
          await tokens.ensure(0);
          return { port: info.port, pid: info.pid, method: 'POST', path: BRIDGE_PATH, headers: embedHeaders(info), body: () => tokens.body(), prepare: (s) => tokens.ensure(s) };
        };
        const one = await measureTogether([await exchangeOn(first.info)], load);
        const two = await measureTogether([await exchangeOn(first.info), await exchangeOn(second.info)], load);
        check('postgres serve x1 exchange', one);
        check('postgres serve x2 exchange', two);
        console.log('\nPostgres scale-out: aforo-bridge serve exchange, one process, then two on one database with the load spread over both');
        console.log(
          table([
            { label: 'exchange, 2 serve processes', figures: two, floor: one, target: SCALE_OUT_TARGET },
            { label: 'exchange, 1 serve process', figures: one },
          ]),
        );
        // Everything runs on this machine: both servers, Postgres and the load generator. When one process already
        // keeps the cores busy, a second one has no core to add throughput with.
        if (one.busy && two.busy) console.log(`machine CPU busy while measured: 1 process ${one.busy}, 2 processes ${two.busy} (servers, Postgres and load together)`);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  } finally {
    await sql(`drop database if exists "${database}" with (force)`);
  }
}

interface MemoryGrowth {
  ips: number;
  seconds: number;
  before: number;
  after: number;
  growth: number;
}

/** Runs bench/memory-growth.ts in a process of its own and reads its JSON line. */
async function measureMemoryGrowth(ips: number): Promise<MemoryGrowth> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/memory-growth.ts', '--ips', String(ips)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as MemoryGrowth;
}

async function withServer<T>(
  framework: Framework,
  storage: StorageName,
  work: (info: ServerInfo) => Promise<T>,
  magicLinks = 0,
): Promise<T> {
  const server: ServerChild = await startServer(framework, storage, magicLinks);
  try {
    return await work(server.info);
  } finally {
    await server.stop();
  }
}

const load1 = () => loadavg().map((n) => n.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const options = await readOptions();
  const { load } = options;

  const cpu = cpus();
  console.log('aforo-bridge bench: figures from this machine and this run only; nothing here is asserted.');
  console.log(`node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, load average ${load1()}`);
  console.log(
    `${load.connections} connections, ${load.duration} s measured after ${load.warmup} s of warm-up per route; ` +
      'server in a child process, autocannon in this one, both on 127.0.0.1',
  );
  for (const note of options.notes) console.log(`note: ${note}`);

  const baseline = options.frameworks[0];
  const byStorage = new Map<StorageName, ServerFigures>();

  for (const framework of options.frameworks) {
    await withServer(framework, 'memory', async (info) => {
      const measured = await measureServer(info, load);
      if (framework === baseline) byStorage.set('memory', measured);
      console.log(`\n${framework}, memory storage (load average ${load1()})`);
      console.log(
        table([
          { label: `POST ${BRIDGE_PATH}`, figures: measured.exchange, floor: measured.exchangeFloor, target: EXCHANGE_TARGET },
          { label: 'POST /floor/exchange', figures: measured.exchangeFloor },
          { label: `GET  ${ME_PATH}`, figures: measured.me, floor: measured.meFloor, target: ME_TARGET },
          { label: 'GET  /floor/me', figures: measured.meFloor },
          { label: `GET  ${ME_PATH}, a new JWT per request`, figures: measured.meCold, floor: measured.meColdFloor },
          { label: 'GET  /floor/me', figures: measured.meColdFloor },
        ]),
      );
      if (framework === baseline) {
        const timing = await timeMagicLink(info, options.samples, Math.min(100, options.samples));
        console.log(
          `\nmagic link, ${framework}/memory: ${timing.samples} registered and ${timing.samples} unregistered emails, ` +
            'one request at a time in random order, timed around fetch',
        );
        console.log(magicLinkTable(timing));
      }
    });
  }

  const sqlStorages = options.storages.filter((s) => s !== 'memory');
  const measuredMagic: { pair?: [LoadFigures, LoadFigures] } = {};
  for (const storage of sqlStorages) {
    await withServer(
      baseline,
      storage,
      async (info) => {
        byStorage.set(storage, await measureServer(info, load));
        if (storage === 'sqlite') measuredMagic.pair = await measureMagicExchange(info, load);
      },
      storage === 'sqlite' ? MAGIC_LINKS : 0,
    );
  }
  if (sqlStorages.length > 0) {
    const rows: Row[] = [];
    for (const [storage, measured] of byStorage) {
      rows.push({ label: `exchange, ${storage}`, figures: measured.exchange, floor: measured.exchangeFloor, target: EXCHANGE_TARGETS[storage] });
      rows.push({ label: `  its floor`, figures: measured.exchangeFloor });
    }
    for (const [storage, measured] of byStorage) {
      rows.push({ label: `/me, ${storage}`, figures: measured.me, floor: measured.meFloor, target: ME_TARGET });
      rows.push({ label: `  its floor`, figures: measured.meFloor });
    }
    for (const [storage, measured] of byStorage) {
      rows.push({ label: `/me, ${storage}, a new JWT per request`, figures: measured.meCold, floor: measured.meColdFloor });
      rows.push({ label: `  its floor`, figures: measured.meColdFloor });
    }
    console.log(`\nper storage, ${baseline}; each engine route against the floor measured beside it on the same server`);
    console.log(table(rows));
  }
  if (measuredMagic.pair) {
    const [magicExchange, bridgeExchange] = measuredMagic.pair;
    console.log(`\nmagic-link exchange beside the bridge exchange, ${baseline}/sqlite, measured interleaved on one server`);
    console.log(
      table([
        { label: `POST ${MAGIC_PATH}`, figures: magicExchange, floor: bridgeExchange },
        { label: `POST ${BRIDGE_PATH}`, figures: bridgeExchange },
      ]),
    );
  }

  if (options.storages.includes('sqlite')) await compareServe(baseline, load);
  if (options.storages.includes('postgres')) await scaleOutPostgres(load);

  if (options.ips > 0) {
    const growth = await measureMemoryGrowth(options.ips);
    const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `\nmemory held, memory storage: ${growth.ips.toLocaleString('en-US')} magic-link requests from distinct client IPs ` +
        `in ${growth.seconds.toFixed(1)} s; RSS ${mb(growth.before)} MB -> ${mb(growth.after)} MB, ` +
        `growth ${mb(growth.growth)} MB (target: <= 64 MB) ${growth.growth <= 64 * 1024 * 1024 ? 'meets' : 'above'}`,
    );
  }

  console.log(`\nload average at the end ${load1()}`);
  if (problems.length > 0) {
    console.error('\nthe bench hit errors:');
    for (const problem of problems) console.error(`- ${problem}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
