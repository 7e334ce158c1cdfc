/**
 * A world for the widget tests in real Chromium: the engine (memory storage, real SMTP mail) mounted with the
 * Koa adapter on 127.0.0.1, a tenant "portal" on another 127.0.0.1 port that serves the fixture pages under a
 * strict CSP and mints a fresh bridge token into each page it renders, and the headless browser.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { koaBridge } from '../../adapters/koa.js';
import { smtpMailer } from '../../adapters/mail.js';
import { createBridge, type Bridge } from '../../lib/bridge.js';
import type { BridgeOptions } from '../../lib/config.js';
import { mintBridgeToken } from '../../lib/mint.js';
import { memoryStorage } from '../../storage/memory.js';
import { startSmtp, type Mailbox } from './smtp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGES = join(ROOT, 'test', 'fixtures', 'widget-pages');
/** Screenshots the browser tests take, kept by CI as artifacts (git-ignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

export const TENANT = 'acme';
export const PRIMARY = '#0f766e';
export const ANA = { externalId: 'cust-ana', email: 'ana@acme.test', name: 'Ana Lima' };
export const BO = { externalId: 'cust-bo', email: 'bo@acme.test', name: 'Bo Berg' };
/** A customer without invoices. */
export const CY = { externalId: 'cust-cy', email: 'cy@acme.test', name: 'Cy Dahl' };
/** A customer whose invoices a test puts itself. */
export const DEE = { externalId: 'cust-dee', email: 'dee@acme.test', name: 'Dee Fox' };

/**
 * The CSP of every fixture page: no `unsafe-inline`, no `unsafe-eval`, and Trusted Types enforced, so any
 * HTML-string sink (innerHTML and friends) in the widgets would throw.
 */
export function pageCsp(engineOrigin: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${engineOrigin}`,
    "style-src 'self'",
    `connect-src 'self' ${engineOrigin}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** Chromium, or null (the test is skipped) when it is missing outside CI; under CI=true a missing browser fails. */
export async function launchChromium(t: TestContext): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`Chromium is required under CI and is missing at ${CHROMIUM}`);
    t.skip(`Chromium is not installed at ${CHROMIUM}`);
    return null;
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** One request the engine saw, as its Koa app logged it. */
export interface EngineRequest {
  method: string;
  path: string;
  origin: string | undefined;
  status: number;
}


/**
 * A directory the portal serves under `prefix` (a bundled app's build output): its `.html` files are filled in and
 * served like the fixture pages (a fresh bridge token each), its other files as they are, all under the same CSP.
 */
export interface ServedDirectory {
  prefix: string;
  dir: string;
}

const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** The file under `served.dir` that `pathname` names, or null (outside the prefix, outside the directory, missing). */
function servedFile(served: ServedDirectory, pathname: string): string | null {
  if (!pathname.startsWith(served.prefix)) return null;
  const root = resolve(served.dir);
  const file = resolve(root, '.' + sep + decodeURIComponent(pathname.slice(served.prefix.length) || 'index.html'));
  return file.startsWith(root + sep) && existsSync(file) ? file : null;
}

export interface WidgetWorld {
  bridge: Bridge;
  engineOrigin: string;
  /** `http://127.0.0.1:<port>/aforo`: where the engine is mounted. */
  engineBase: string;
  pageOrigin: string;
  embedKey: string;
  csp: string;
  requests: EngineRequest[];
  mailbox: Mailbox;
  /** Moves the engine's clock this far ahead of real time (0 puts it back). */
  setClockOffset(ms: number): void;
  /**
   * A fixture page on the allowlisted origin; `customer` picks whose bridge token it renders, `replay` serves the
   * page first rendered under that name again, with the same token.
   */
  pageUrl(name: string, query?: Record<string, string>): string;
  /** The same page on an origin that is not on the allowlist (localhost instead of 127.0.0.1). */
  foreignPageUrl(name: string): string;
  /** Widget API requests the engine saw (preflights excluded) for a path below `/v1/embed`. */
  calls(path: string): EngineRequest[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts engine, SMTP server and portal, and loads the tenant: offerings of every status and Ana's and Bo's invoices. */
export async function startWidgetWorld(options: { sessionTtl?: number; engine?: Partial<BridgeOptions>; serve?: ServedDirectory } = {}): Promise<WidgetWorld> {
  const smtp = await startSmtp();
  let clockOffset = 0;
  const engineServer = createServer();
  const enginePort = await listen(engineServer);
  const engineOrigin = `http://127.0.0.1:${enginePort}`;
  const engineBase = `${engineOrigin}/aforo`;
  const bridge = createBridge({
    storage: memoryStorage(),
    mailer: smtpMailer({ url: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`, from: 'Acme Billing <billing@acme.test>' }),
    issuer: engineBase,
    clock: () => new Date(Date.now() + clockOffset),
    ...(options.sessionTtl ? { sessionTtl: options.sessionTtl } : {}),
    ...options.engine,
  });
  const requests: EngineRequest[] = [];
  const app = new Koa();
  app.use(async (ctx, next) => {
    const entry: EngineRequest = { method: ctx.method, path: ctx.path, origin: ctx.get('origin') || undefined, status: 0 };
    requests.push(entry);
    try {
      await next();
    } finally {
      entry.status = ctx.status;
    }
  });
  app.use(koaBridge(bridge, { prefix: '/aforo' }));
  engineServer.on('request', app.callback());

  const portal = createServer();
  const pagePort = await listen(portal);
  const pageOrigin = `http://127.0.0.1:${pagePort}`;
  const csp = pageCsp(engineOrigin);

  const admin = bridge.api.admin;
  await admin.createTenant({ slug: TENANT, name: 'Acme Cloud', branding: { primaryColor: PRIMARY } });
  const { key: embedKey } = (await admin.createEmbedKey(TENANT, { allowedOrigins: [pageOrigin], mode: 'test' })) as { key: string };
  const signing = (await admin.createSigningKey(TENANT, { alg: 'HS256' })) as { kid: string; secret: string };
  await admin.promoteSigningKey(TENANT, signing.kid);
  await seedCatalogue(bridge);
  await seedInvoices(bridge);

  const replays = new Map<string, string>();
  const sri = (await (await fetch(`${engineBase}/v1/embed/sri.json`)).json()) as Record<string, { path: string; integrity: string }>;
  portal.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', pageOrigin);
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const name = /^\/([a-z-]+)\.html$/.exec(url.pathname)?.[1];
      const served = options.serve && servedFile(options.serve, url.pathname);
      if (served && !served.endsWith('.html')) {
        res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(served)] ?? 'application/octet-stream', 'content-security-policy': csp, 'cache-control': 'no-store' });
        res.end(await readFile(served));
        return;
      }
      const file = served || (name && join(PAGES, `${name}.html`));
      if (!file || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const who = [ANA, BO, CY, DEE].find((c) => c.externalId === url.searchParams.get('customer')) ?? ANA;
      // The portal mints a fresh one-time token for each page it renders, as a tenant's backend does.
      const bridgeToken = await mintBridgeToken({ kid: signing.kid, alg: 'HS256', key: signing.secret, externalCustomerId: who.externalId, email: who.email, name: who.name });
      const values: Record<string, string> = {
        LOADER: `${engineBase}/v1/embed/loader.js`,
        API_BASE: engineBase,
        BUNDLE: engineBase + sri['aforo-widgets.js'].path,
        INTEGRITY: sri['aforo-widgets.js'].integrity,
        TENANT,
        EMBED_KEY: embedKey,
        BRIDGE_TOKEN: bridgeToken,
        THEME: ['light', 'dark', 'auto'].find((theme) => theme === url.searchParams.get('theme')) ?? 'auto',
      };
      // `?replay=<name>` serves the first page rendered under that name again, token included, as a stale cached copy would be.
      const replay = url.searchParams.get('replay');
      const html = (replay && replays.get(replay)) ||
        (await readFile(file, 'utf8')).replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => escapeHtml(values[key] ?? ''));
      if (replay) replays.set(replay, html);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store' });
      res.end(html);
    })().catch(() => res.writeHead(500).end());
  });

  const query = (q: Record<string, string> = {}): string => (Object.keys(q).length ? '?' + new URLSearchParams(q).toString() : '');
  return {
    bridge,
    engineOrigin,
    engineBase,
    pageOrigin,
    embedKey,
    csp,
    requests,
    mailbox: smtp.mailbox,
    setClockOffset: (ms) => {
      clockOffset = ms;
    },
    pageUrl: (name, q) => `${pageOrigin}/${name}.html${query(q)}`,
    foreignPageUrl: (name) => `http://localhost:${pagePort}/${name}.html`,
    calls: (path) => requests.filter((r) => r.method !== 'OPTIONS' && r.path === `/aforo/v1/embed${path}`),
    async close() {
      await bridge.close();
      await Promise.all([
        new Promise((resolve) => engineServer.close(resolve)),
        new Promise((resolve) => portal.close(resolve)),
        smtp.close(),
      ]);
      engineServer.closeAllConnections();
      portal.closeAllConnections();
    },
  };
}

async function seedCatalogue(bridge: Bridge): Promise<void> {
  const plan = (id: string, name: string, currency: string, amountCents: number, interval: 'month' | 'year' | 'one_time', features: string[] = []) =>
    ({ id, name, currency, amountCents, interval, features });
  const admin = bridge.api.admin;
  // Positions put Starter before Pro, the reverse of their names' order.
  await admin.putOffering(TENANT, 'starter', {
    name: 'Starter', description: 'For side projects.', status: 'PUBLISHED', position: 1,
    ratePlans: [plan('starter-month', 'Monthly', 'USD', 900, 'month', ['1 project', 'Email support']), plan('starter-year', 'Yearly', 'USD', 9000, 'year')],
  });
  await admin.putOffering(TENANT, 'pro', {
    name: 'Pro', description: 'For growing teams.', status: 'PUBLISHED', position: 2,
    ratePlans: [plan('pro-month', 'Monthly', 'EUR', 2900, 'month', ['Unlimited projects', 'Priority support'])],
  });
  await admin.putOffering(TENANT, 'legacy', { name: 'Legacy', status: 'ARCHIVED', ratePlans: [plan('legacy-month', 'Monthly', 'USD', 500, 'month')] });
  await admin.putOffering(TENANT, 'beta', { name: 'Secret beta', status: 'DRAFT', ratePlans: [plan('beta-month', 'Monthly', 'USD', 100, 'month')] });
}

/** Ana has seven invoices (three OPEN, two PAID, one OVERDUE, one VOID); Bo has one, which Ana must never see. */
async function seedInvoices(bridge: Bridge): Promise<void> {
  const admin = bridge.api.admin;
  await admin.putCustomer(TENANT, ANA.externalId, { email: ANA.email, name: ANA.name });
  await admin.putCustomer(TENANT, BO.externalId, { email: BO.email, name: BO.name });
  const statuses = ['OPEN', 'PAID', 'OPEN', 'OVERDUE', 'PAID', 'VOID', 'OPEN'] as const;
  for (const [i, status] of statuses.entries()) {
    const month = String(i + 1).padStart(2, '0');
    await admin.putInvoice(TENANT, ANA.externalId, `in_ana_${i + 1}`, {
      number: `ACME-2026-00${i + 1}`, status, amountDueCents: 1000 * (i + 1) + 50, amountPaidCents: status === 'PAID' ? 1000 * (i + 1) + 50 : 0,
      currency: 'USD', issuedAt: `2026-${month}-10T12:00:00Z`, dueAt: `2026-${month}-24T12:00:00Z`,
      pdfUrl: `https://files.acme.test/invoices/in_ana_${i + 1}.pdf`, hostedUrl: `https://pay.acme.test/in_ana_${i + 1}`,
    });
  }
  await admin.putInvoice(TENANT, BO.externalId, 'in_bo_1', {
    number: 'ACME-2026-BO1', status: 'OPEN', amountDueCents: 77700, currency: 'USD', issuedAt: '2026-02-01T12:00:00Z', dueAt: null,
  });
}

/** Records every `aforo.*` event and every CSP violation in the page, from before the first script runs. */
export async function recordPage(page: Page): Promise<{ consoleErrors: string[]; consoleWarnings: string[] }> {
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown[]>;
    w.__aforoEvents = [];
    w.__cspViolations = [];
    const dispatch = EventTarget.prototype.dispatchEvent;
    EventTarget.prototype.dispatchEvent = function (this: EventTarget, event: Event): boolean {
      if (event.type.startsWith('aforo.')) {
        w.__aforoEvents.push({ type: event.type, onWindow: this === window, detail: JSON.stringify((event as CustomEvent).detail ?? null) });
      }
      return dispatch.call(this, event);
    };
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const consoleErrors: string[] = [];
  const consoleWarnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
    if (message.type() === 'warning') consoleWarnings.push(message.text());
  });
  return { consoleErrors, consoleWarnings };
}

export interface RecordedEvent {
  type: string;
  onWindow: boolean;
  detail: string;
}

export function recordedEvents(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(() => (window as unknown as { __aforoEvents: RecordedEvent[] }).__aforoEvents);
}

export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
}

/** Everything the page could persist: Web Storage, cookies, IndexedDB databases. */
export async function persistedState(page: Page): Promise<{ localStorage: string; sessionStorage: Record<string, string>; cookie: string; indexedDb: string[] }> {
  return page.evaluate(async () => {
    const session: Record<string, string> = {};
    for (let i = 0; i < sessionStorage.length; i++) {
      const key = sessionStorage.key(i) as string;
      session[key] = sessionStorage.getItem(key) ?? '';
    }
    const databases = await indexedDB.databases();
    return {
      localStorage: JSON.stringify({ ...localStorage }),
      sessionStorage: session,
      cookie: document.cookie,
      indexedDb: databases.map((db) => db.name ?? ''),
    };
  });
}

/** What IndexedDB holds, value by value: each CryptoKey's kind and extractability, and every string in any value. */
export async function indexedDbContents(page: Page): Promise<{ keys: Array<{ type: string; extractable: boolean; algorithm: string }>; strings: string[]; records: number }> {
  // No named inner functions: the test transpiler would wrap them in a helper the page does not have.
  return page.evaluate(async () => {
    const out = { keys: [] as Array<{ type: string; extractable: boolean; algorithm: string }>, strings: [] as string[], records: 0 };
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name ?? '');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const req = db.transaction(name, 'readonly').objectStore(name).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        out.records += values.length;
        const queue: unknown[] = [...values];
        while (queue.length > 0) {
          const value = queue.pop();
          if (value instanceof CryptoKey) out.keys.push({ type: value.type, extractable: value.extractable, algorithm: value.algorithm.name });
          else if (typeof value === 'string') out.strings.push(value);
          else if (value && typeof value === 'object') queue.push(...Object.keys(value), ...Object.values(value));
        }
      }
      db.close();
    }
    return out;
  });
}

/** The page's light DOM plus the text and attributes of every open shadow root, serialised for leak checks. */
export function renderedDom(page: Page): Promise<string> {
  // No named inner functions here: the test transpiler would wrap them in a helper the page does not have.
  return page.evaluate(() => {
    const parts = [document.documentElement.outerHTML];
    const roots: ParentNode[] = [document];
    for (let root = roots.pop(); root; root = roots.pop()) {
      for (const element of root.querySelectorAll('*')) {
        const shadow = element.shadowRoot;
        if (!shadow) continue;
        for (const inner of shadow.querySelectorAll('*')) {
          for (const attribute of inner.attributes) parts.push(`${attribute.name}=${attribute.value}`);
        }
        parts.push(shadow.textContent ?? '');
        roots.push(shadow);
      }
    }
    return parts.join('\n');
  });
}

export async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
}

/** Reads the payload of a JWT without verifying it (the engine verifies; tests only compare claims). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A page in a fresh browser context, with its console and the page's events recorded (see recordPage). */
export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  consoleWarnings: string[];
}

/**
 * One Chromium for a test file, launched on first use, and a fresh context and page per test: `open(t, options)`
 * answers null when Chromium is missing outside CI (the test is then skipped; under CI=true it fails).
 *
 * @example
 * const pages = chromiumPages();
 * after(() => pages.close());
 * test('…', async (t) => {
 *   const opened = await pages.open(t, { locale: 'en-US', timezoneId: 'UTC' });
 *   if (!opened) return;
 *   const { context, page, consoleErrors } = opened;
 * });
 */
export function chromiumPages(): { open(t: TestContext, options?: BrowserContextOptions): Promise<OpenedPage | null>; close(): Promise<void> } {
  let browser: Browser | null = null;
  return {
    async open(t, options = { locale: 'en-US', timezoneId: 'UTC' }) {
      browser ??= await launchChromium(t);
      if (!browser) return null;
      const context = await browser.newContext(options);
      const page = await context.newPage();
      return { context, page, ...(await recordPage(page)) };
    },
    async close() {
      await browser?.close();
      browser = null;
    },
  };
}
