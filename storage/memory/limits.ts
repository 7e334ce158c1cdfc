import { LRUCache } from 'lru-cache';
import { scoped } from './shared.js';

const JTI_SWEEP_MIN = 1024;

/** One-time bridge-token ids, each held until its expiry. */
export class JtiTable {
  readonly #expiresAt = new Map<string, number>();
  #sweepAt = JTI_SWEEP_MIN;

  reserve(tenant: string, kid: string, jti: string, expiresAt: Date, now: Date): boolean {
    // Check and set with no await in between: of any number of racing reservations exactly one finds the jti
    // absent (or expired) and takes it.
    const key = `${scoped(tenant, kid)}\u0000${jti}`;
    const held = this.#expiresAt.get(key);
    if (held !== undefined && held >= now.getTime()) return false;
    this.#expiresAt.set(key, expiresAt.getTime());
    // Expired ids are also swept here, amortised, so the map stays small even when prune is never called.
    if (this.#expiresAt.size >= this.#sweepAt) {
      this.prune(now);
      this.#sweepAt = Math.max(JTI_SWEEP_MIN, this.#expiresAt.size * 2);
    }
    return true;
  }

  /** Forgets the ids that expired before `now`; returns how many. */
  prune(now: Date): number {
    let removed = 0;
    for (const [key, expiresAt] of this.#expiresAt) {
      if (expiresAt < now.getTime()) {
        this.#expiresAt.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}

interface RateWindow {
  windowStart: number;
  windowEnd: number;
  count: number;
}

/** Fixed-window hit counters, at most `maxKeys` of them. */
export class RateLimitTable {
  // Bounded so a flood of distinct keys (random emails, spoofed IPs) cannot grow memory without limit. The price:
  // past the cap the least recently hit counter is forgotten and starts again at 1.
  readonly #windows: LRUCache<string, RateWindow>;

  constructor(maxKeys: number) {
    // Each entry's TTL runs to its window's end on the process clock, but whether a counter still applies is
    // decided by the engine's `now` (allowStale), so a test clock that lags the process clock never resets it.
    this.#windows = new LRUCache<string, RateWindow>({ max: maxKeys, allowStale: true });
  }

  get size(): number {
    return this.#windows.size;
  }

  hit(key: string, windowMs: number, now: Date, amount = 1): { count: number; resetAt: Date } {
    // Read and increment with no await in between: n racing hits on one window get exactly 1..n.
    const at = now.getTime();
    const windowStart = Math.floor(at / windowMs) * windowMs;
    const windowEnd = windowStart + windowMs;
    const current = this.#windows.get(key);
    const count = current !== undefined && current.windowStart === windowStart ? current.count + amount : amount;
    this.#windows.set(key, { windowStart, windowEnd, count }, { ttl: Math.max(1, windowEnd - at) });
    return { count, resetAt: new Date(windowEnd) };
  }

  /** Forgets the windows that ended before `now`; returns how many. */
  prune(now: Date): number {
    let removed = 0;
    for (const [key, window] of [...this.#windows.entries()]) {
      if (window.windowEnd < now.getTime()) {
        this.#windows.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}
