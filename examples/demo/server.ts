/**
 * The aforo-bridge demo portal: `npm run demo` (add `-- --reset` to start from scratch).
 *
 * A Koa portal on http://localhost:3000 (PORT overrides) with the engine at /aforo, SQLite data in
 * ./.aforo-demo.db (AFORO_DEMO_DB overrides), mail kept in memory and shown at /dev/mail.
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryMailer } from '../../adapters/mail.js';
import { closeOnSignals } from '../../cli/commands/serve.js';
import { startServer } from '../../cli/serve.js';
import { hasSqlite } from '../../cli/storage.js';
import { portalRoutes, CSP } from './routes.js';
import { seedDemo, TENANT } from './seed.js';

type SeedResult = Awaited<ReturnType<typeof seedDemo>>;

const here = dirname(fileURLToPath(import.meta.url));
const dbPath = process.env.AFORO_DEMO_DB ?? './.aforo-demo.db';
const secretsPath = /\.db$/.test(dbPath) ? dbPath.replace(/\.db$/, '.json') : `${dbPath}.json`;
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? 'localhost';

if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error('error: PORT must be a port number');
  process.exit(2);
}

if (process.argv.includes('--reset')) {
  for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`, secretsPath]) await rm(file, { force: true });
  console.log(`reset: deleted ${dbPath} and ${secretsPath}`);
}

let storageNote = `SQLite file ${dbPath}`;
let storageSpec = `sqlite:${dbPath}`;
if (!(await hasSqlite())) {
  storageSpec = 'memory';
  storageNote = 'memory (SQLite storage is not available; nothing is kept after a restart)';
  console.log(`notice: ${storageNote}`);
}

const mailer = memoryMailer();
const css = await readFile(join(here, 'demo.css'), 'utf8');

// Set by `setup`, which runs once the engine is ready and the real port is known.
let seeded: SeedResult | undefined;
const server = await startServer({
  host,
  port,
  prefix: '/aforo',
  storage: storageSpec,
  mailer,
  logger: {
    debug() {},
    info() {},
    warn: (obj, msg) => console.warn(`warning: ${msg ?? ''}`, (obj as { err?: Error }).err?.message ?? ''),
    error: (obj, msg) => console.error(`error: ${msg ?? ''}`, (obj as { err?: Error }).err?.message ?? ''),
  },
  async setup({ app, bridge, port: actualPort }) {
    const origins = [`http://localhost:${actualPort}`, `http://127.0.0.1:${actualPort}`];
    seeded = await seedDemo(bridge.api.admin, secretsPath, origins);
    app.keys = [seeded.cookieKey];
    app.use(async (ctx, next) => {
      await next();
      if (ctx.path.startsWith('/aforo/')) return;
      // The HTML part of a dev mail sets its own, stricter policy and lets this portal frame it.
      if (ctx.response.get('content-security-policy')) return;
      ctx.set('content-security-policy', CSP);
      // A magic-link token sits in the page's URL until the loader strips it: no Referer may carry it away.
      ctx.set('referrer-policy', 'no-referrer');
      ctx.set('x-content-type-options', 'nosniff');
      ctx.set('x-frame-options', 'DENY');
    });
    const router = portalRoutes({ secrets: seeded, mailer, css, storageNote });
    app.use(router.routes());
    app.use(router.allowedMethods());
  },
});
// Handlers first, then the banner: whoever waits for the banner may stop the demo at once.
closeOnSignals(server, { err: (line) => console.error(line) });
const { embedKey, created } = seeded as SeedResult;
const base = `http://localhost:${server.port}`;
console.log([
  `aforo-bridge demo portal: ${base}/`,
  `  pricing card (anonymous)      ${base}/pricing`,
  `  bridge token (portal login)   ${base}/login`,
  `  magic link (no login)         ${base}/no-login/invoices`,
  `  mail outbox (dev only)        ${base}/dev/mail`,
  `  tenant ${TENANT}, embed key ${embedKey}; customers alice@example.com, bob@example.com`,
  `  data: ${storageNote}${created ? ' (seeded now)' : ' (reused)'}; demo signing secret in ${secretsPath}`,
].join('\n'));
