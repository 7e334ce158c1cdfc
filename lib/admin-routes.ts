import type { BridgeApi } from './api.js';
import type { Caller } from './audit.js';
import { clientIp } from './client-ip.js';
import { safeEqual } from './crypto.js';
import type { Engine } from './engine.js';
import { BridgeError, loggableError } from './errors.js';
import { errorResponse, json, maskPath, readJsonBody } from './edge.js';
import type { PlainRequest, PlainResponse } from './http.js';
import { ADMIN_ROUTES, type AdminRoute } from './routes.js';

/** Every admin route as `METHOD /v1/admin/path/:param` (the OpenAPI document is checked against it). */
export const ADMIN_ROUTE_KEYS = ADMIN_ROUTES.map(({ method, path }) => `${method} /v1/admin${path}`);

const MATCHERS: Array<[AdminRoute, RegExp]> = ADMIN_ROUTES.map((route) => [
  route,
  // Any length matches, so an over-long value is the verb's 400 rather than a path the engine does not serve.
  new RegExp(`^${route.path.replace(/:[a-zA-Z]+/g, '([^/]+)')}$`),
]);

function decodeSegments(match: RegExpExecArray): string[] {
  return match.slice(1).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new BridgeError('invalid_request', 'the path has a malformed escape');
    }
  });
}

const WINDOW_MS = 60_000;
const AUDIT_PATH = '/tenants/:slug/audit';
// Bounds what an attacker spraying addresses can make one process hold; past it the oldest window is written early.
const MAX_WINDOWS = 10_000;
const MAX_TENANTS_PER_WINDOW = 16;

interface Tally {
  count: number;
  firstAt: Date;
  method: string;
  path: string;
}

interface RefusalWindow {
  endsAt: number;
  /** When the window ends by the process's own timer clock, which may run apart from the engine's clock. */
  deadline: number;
  ip: string | null;
  userAgent: string | null;
  tenants: Map<string, Tally>;
}

type Batch = Array<{ window: RefusalWindow; tallies: Array<[string, Tally]> }>;

/**
 * Admin calls without the right token, tallied per client IP and minute, and written to the audit trail as one
 * `admin.unauthorized` row per IP, minute and tenant, carrying `count` (SPEC section 8). A row per refusal would let
 * one client write hundreds of rows a second. The rate-limit counter in storage is shared by every process, so only
 * the process whose refusal opened the window (the one that got count 1) tallies and writes it: across processes a
 * minute is still audited once, with the refusals that process saw. Rows are written when the minute ends, and
 * before the audit trail is read through the admin API (a read mid-minute writes what was counted so far and the
 * minute goes on counting from zero). Tenants that do not exist get no row.
 */
class Refusals {
  private readonly windows = new Map<string, RefusalWindow>();
  private earliest = Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly engine: Engine) {}

  // Bookkeeping is synchronous, between the storage hit and the writes: racing refusals of one process never miss
  // each other's window.
  async note(key: string, opened: boolean, endsAt: number, caller: Caller, slug: string | undefined, method: string, path: string): Promise<void> {
    const now = this.engine.now();
    const due = this.takeDue(now.getTime(), Date.now());
    let window = this.windows.get(key);
    if (opened && !window) {
      if (this.windows.size >= MAX_WINDOWS) due.push(...this.take((this.windows.keys().next().value as string)));
      window = { endsAt, deadline: Date.now() + Math.max(0, endsAt - now.getTime()), ip: caller.ip ?? null, userAgent: caller.userAgent ?? null, tenants: new Map() };
      this.windows.set(key, window);
      this.earliest = Math.min(this.earliest, endsAt);
      this.schedule();
    }
    if (window && slug) {
      const tally = window.tenants.get(slug);
      if (tally) tally.count += 1;
      else if (window.tenants.size < MAX_TENANTS_PER_WINDOW) window.tenants.set(slug, { count: 1, firstAt: now, method, path: path.slice(0, 200) });
    }
    await this.write(due);
  }

  /** Writes the windows that ended by the engine's clock. */
  async flushEnded(): Promise<void> {
    await this.write(this.takeDue(this.engine.now().getTime(), Date.now()));
  }

  /** Writes what every window counted so far; the windows go on counting from zero. */
  async flushAll(): Promise<void> {
    const batch: Batch = [];
    for (const window of this.windows.values()) {
      batch.push({ window, tallies: [...window.tenants] });
      window.tenants.clear();
    }
    await this.write(batch);
  }

  private take(key: string): Batch {
    const window = this.windows.get(key);
    if (!window) return [];
    this.windows.delete(key);
    return [{ window, tallies: [...window.tenants] }];
  }

  private takeDue(now: number, realNow: number): Batch {
    if (now < this.earliest && this.timer) return [];
    const batch: Batch = [];
    for (const [key, window] of this.windows) if (window.endsAt <= now || window.deadline <= realNow) batch.push(...this.take(key));
    this.earliest = Math.min(Infinity, ...[...this.windows.values()].map((window) => window.endsAt));
    return batch;
  }

  private async write(batch: Batch): Promise<void> {
    for (const { window, tallies } of batch) {
      for (const [slug, tally] of tallies) {
        try {
          // One lookup per IP, minute and tenant named, never one per refused call.
          if (!(await this.engine.storage.getTenant(slug))) continue;
        } catch (error) {
          this.engine.config.logger.error({ err: loggableError(error), event: 'admin.unauthorized' }, 'audit write failed');
          continue;
        }
        await this.engine.audit.record('admin.unauthorized', slug, tally.firstAt, { ip: window.ip, userAgent: window.userAgent }, {
          method: tally.method, path: tally.path, count: tally.count, windowEndsAt: new Date(window.endsAt).toISOString(),
        });
      }
    }
  }

  // A minute that no later admin call follows is still written, about when it ends.
  private schedule(): void {
    if (this.timer || this.windows.size === 0) return;
    const next = Math.min(...[...this.windows.values()].map((window) => window.deadline));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flushEnded().then(() => this.schedule());
    }, Math.max(0, next - Date.now()) + 50);
    this.timer.unref();
  }
}

const refusalsByEngine = new WeakMap<Engine, Refusals>();

function refusalsOf(engine: Engine): Refusals {
  let refusals = refusalsByEngine.get(engine);
  if (!refusals) refusalsByEngine.set(engine, (refusals = new Refusals(engine)));
  return refusals;
}

/** 401, or 429 past `adminRateLimit` refusals a minute from this IP; the limit is counted in storage, across processes. */
async function refuse(engine: Engine, refusals: Refusals, request: PlainRequest, path: string, caller: Caller): Promise<PlainResponse> {
  const now = engine.now();
  const key = `admin-unauthorized:${caller.ip ?? ''}`;
  const hit = await engine.storage.hitRateLimit(key, WINDOW_MS, now);
  const slug = /^\/tenants\/([a-z0-9-]{2,63})/.exec(path)?.[1];
  await refusals.note(key, hit.count === 1, hit.resetAt.getTime(), caller, slug, request.method, maskPath(request.path));
  if (hit.count > engine.config.adminRateLimit) {
    const retryAfter = Math.max(1, Math.ceil((hit.resetAt.getTime() - now.getTime()) / 1000));
    return errorResponse(new BridgeError('rate_limited', 'too many admin calls without the right token; try again later', { retryAfter }));
  }
  return errorResponse(new BridgeError('unauthorized', 'the admin token is missing or wrong'));
}

/**
 * The admin API's answer to a wrong or missing token (401, or 429 past `adminRateLimit`), counted and audited in
 * the same window: Embed Studio's sign-in is held to exactly what a wrong bearer token gets.
 */
export function refuseAdminToken(engine: Engine, request: PlainRequest, caller: Caller): Promise<PlainResponse> {
  return refuse(engine, refusalsOf(engine), request, '', caller);
}

/** Admin calls need the admin token (constant-time compared); a wrong one learns nothing but 401. */
export async function adminRoute(engine: Engine, api: BridgeApi, request: PlainRequest): Promise<PlainResponse | null> {
  const path = request.path.slice('/v1/admin'.length);
  // HEAD is GET without the body (the HTTP server drops it), as on the widget API and the studio page.
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const entry = MATCHERS.find(([route, pattern]) => route.method === method && pattern.test(path));
  const known = entry ?? MATCHERS.find(([, pattern]) => pattern.test(path));
  if (!known) return null;
  const caller: Caller = {
    ip: clientIp(request.ip, request.headers['x-forwarded-for'], engine.config.trustProxy),
    userAgent: request.headers['user-agent'] ?? null,
  };
  const match = /^Bearer[ ]+([^\s]+)$/i.exec(request.headers.authorization ?? '');
  const token = engine.config.adminToken;
  const refusals = refusalsOf(engine);
  if (!token || !match || !safeEqual(token, match[1])) return refuse(engine, refusals, request, path, caller);
  if (!entry) return errorResponse(new BridgeError('not_found', 'no such admin route for this method'));
  const [route, pattern] = entry;
  // Whoever reads the audit trail sees every refusal made so far, not only those of minutes that have ended.
  await (route.path === AUDIT_PATH ? refusals.flushAll() : refusals.flushEnded());
  const params = decodeSegments(pattern.exec(path) as RegExpExecArray);
  // Every body goes through the edge (size, media type, JSON object); a route that takes none refuses one.
  const body = readJsonBody(request);
  if (!route.body && body !== undefined && Object.keys(body as object).length > 0) {
    return errorResponse(new BridgeError('invalid_request', 'this route takes no body'));
  }
  return json(route.answer.status, await route.handler({ admin: api.admin, params, body, query: request.query, caller }));
}
