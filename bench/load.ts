import autocannon from 'autocannon';
import { busySince, cpuMark, processCpuMicros } from './cpu.js';

/** One route under load. */
export interface LoadTarget {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A fresh body per request (POST); absent for GET. */
  body?: () => string;
  /** Headers that change per request (a different session JWT each time), added to `headers`. */
  headersEach?: () => Record<string, string>;
  /** Runs before each autocannon run of `seconds`, while the server is idle (tops up one-time tokens). */
  prepare?: (seconds: number) => Promise<void>;
  /** The server's port, when the two routes of a pair are on two servers. */
  port?: number;
  /** The server's process id: its CPU time while the route is loaded is charged to the route (Linux only). */
  pid?: number;
}

export interface LoadSettings {
  /** Measured seconds. */
  duration: number;
  /** Seconds of load before the measured run, not counted. */
  warmup: number;
  connections: number;
}

/** What one measured run gives. Latencies are of 2xx answers only, in milliseconds. */
export interface LoadFigures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  /** Non-2xx answers, connection errors and timeouts, warm-up included: any of them fails the bench. */
  failures: number;
  /** Status code → count of the non-2xx answers, for the error message. */
  statusCodes: Record<string, number>;
  /** How busy the whole machine was while measured (`measureTogether` on Linux only), e.g. "93% of 2 cores". */
  busy?: string;
  /**
   * CPU time the server process spent per 2xx answer while measured, in microseconds (Linux only, with the target's
   * pid; the sum over the servers in `measureTogether`). Unlike req/s it does not count what the load generator and,
   * for Postgres, the database took from the same cores.
   */
  serverMicros?: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** One autocannon run, and the CPU time the target's server spent during it (null where it cannot be read). */
interface Run {
  result: autocannon.Result;
  serverMicros: number | null;
}

async function run(port: number, target: LoadTarget, seconds: number, connections: number, latencies: number[] | null): Promise<Run> {
  await target.prepare?.(seconds);
  const before = processCpuMicros(target.pid);
  const result = await autocannonRun(port, target, seconds, connections, latencies);
  const after = processCpuMicros(target.pid);
  return { result, serverMicros: before !== null && after !== null ? after - before : null };
}

function autocannonRun(port: number, target: LoadTarget, seconds: number, connections: number, latencies: number[] | null): Promise<autocannon.Result> {
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${port}`,
    method: target.method,
    headers: target.body ? { ...target.headers, 'content-type': 'application/json' } : target.headers,
    connections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: target.method,
        path: target.path,
        ...(target.body || target.headersEach
          ? {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                ...(target.body ? { body: target.body() } : {}),
                ...(target.headersEach ? { headers: { ...request.headers, ...target.headersEach() } } : {}),
              }),
            }
          : {}),
      },
    ],
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)));
    // autocannon's own histogram keeps whole milliseconds; the response event has the sub-millisecond time.
    if (latencies) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
  });
}

function failuresOf(result: autocannon.Result): { count: number; statusCodes: Record<string, number> } {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith('2')) statusCodes[code] = stat.count ?? 0;
  }
  return { count: result.non2xx + result.errors + result.timeouts, statusCodes };
}

interface Slices {
  seconds: number;
  requests: number;
  /** Server CPU time over the slices that could read it, and the 2xx answers of those slices. */
  serverMicros: number;
  serverRequests: number;
  latencies: number[];
  failures: number;
  statusCodes: Record<string, number>;
}

function emptySlices(): Slices {
  return { seconds: 0, requests: 0, serverMicros: 0, serverRequests: 0, latencies: [], failures: 0, statusCodes: {} };
}

function addFailures(into: Slices, result: autocannon.Result): void {
  const found = failuresOf(result);
  into.failures += found.count;
  for (const [code, count] of Object.entries(found.statusCodes)) into.statusCodes[code] = (into.statusCodes[code] ?? 0) + count;
}

function addServerTime(into: Slices, serverMicros: number | null, answers: number): void {
  if (serverMicros === null) return;
  into.serverMicros += serverMicros;
  into.serverRequests += answers;
}

async function slice(port: number, target: LoadTarget, seconds: number, connections: number, into: Slices): Promise<void> {
  const { result, serverMicros } = await run(port, target, seconds, connections, into.latencies);
  into.seconds += result.duration;
  into.requests += result['2xx'];
  addServerTime(into, serverMicros, result['2xx']);
  addFailures(into, result);
}

function figures(slices: Slices): LoadFigures {
  const sorted = slices.latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: slices.requests / slices.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    total: slices.requests,
    failures: slices.failures,
    statusCodes: slices.statusCodes,
    ...(slices.serverRequests > 0 ? { serverMicros: slices.serverMicros / slices.serverRequests } : {}),
  };
}

/**
 * Loads every target at once for `seconds` (each its own autocannon run, on its own server) after a warm-up, and
 * returns the sum of their 2xx answers per second: what several processes serve together.
 */
export async function measureTogether(targets: LoadTarget[], settings: LoadSettings): Promise<LoadFigures> {
  const totals = emptySlices();
  if (settings.warmup > 0) {
    const warm = await Promise.all(targets.map((t) => run(t.port!, t, settings.warmup, settings.connections, null)));
    for (const { result } of warm) addFailures(totals, result);
  }
  // Tokens are minted before the mark, so the machine's CPU figure covers the measured load only.
  await Promise.all(targets.map((t) => t.prepare?.(settings.duration)));
  const start = cpuMark();
  const results = await Promise.all(
    targets.map((t) => run(t.port!, { ...t, prepare: undefined }, settings.duration, settings.connections, totals.latencies)),
  );
  const busy = busySince(start);
  // The servers' CPU is summed only when every one of them could be read, so the figure is per answer of all.
  const serverMicros = results.every((r) => r.serverMicros !== null) ? results.reduce((sum, r) => sum + r.serverMicros!, 0) : null;
  for (const { result } of results) {
    totals.requests += result['2xx'];
    addFailures(totals, result);
  }
  addServerTime(totals, serverMicros, totals.requests);
  totals.seconds = Math.max(...results.map(({ result }) => result.duration));
  return { ...figures(totals), ...(busy ? { busy } : {}) };
}

/**
 * Measures two routes of one server for `duration` seconds each, after a warm-up of each. The time is cut into
 * one-second slices run in A B B A order, so a change in the machine's other load while the bench runs lands on
 * both routes alike and their ratio stays meaningful; a route's rate is its 2xx answers over its measured seconds.
 */
export async function measurePair(
  server: { port: number; pid?: number },
  a: LoadTarget,
  b: LoadTarget,
  settings: LoadSettings,
): Promise<[LoadFigures, LoadFigures]> {
  // A target names its own server only when the two routes are on two servers.
  const targets = [a, b].map((t) => ({ ...t, port: t.port ?? server.port, pid: t.port === undefined ? server.pid : t.pid }));
  const totals = [emptySlices(), emptySlices()];
  if (settings.warmup > 0) {
    for (const [i, target] of targets.entries()) {
      addFailures(totals[i], (await run(target.port, target, settings.warmup, settings.connections, null)).result);
    }
  }
  const count = Math.max(1, Math.round(settings.duration));
  const seconds = settings.duration / count;
  for (let round = 0; round < count; round += 1) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) await slice(targets[i].port, targets[i], seconds, settings.connections, totals[i]);
  }
  return [figures(totals[0]), figures(totals[1])];
}
