import { LRUCache } from 'lru-cache';
import type { Storage } from './storage.js';

// Most keys are hit once or twice in a window (one browser, one page view): they take one count at a time, as before.
// A key hit again and again (a NAT, a load test) takes doubling blocks of its budget, up to this many counts per write.
const MAX_BLOCK = 64;
const MAX_KEYS = 10_000;

interface Block {
  windowStart: number;
  resetAt: Date;
  next: number;
  end: number;
  size: number;
  pending: Promise<void> | null;
}

/**
 * A fixed-window limit whose counts live in the storage, shared by every process, but whose busy keys are not
 * written on every hit: this process reserves a block of counts (`reserveRateLimit`) and hands them out locally. Every
 * admitted hit has its own count no greater than the limit, so however many processes share the budget, no more than
 * `limit` hits pass in a window. What a process reserved and did not use is lost to the others for that window (they
 * may refuse a little early); blocks never reach past the limit, so the loss is at most one block per process.
 * With a storage that cannot reserve, every hit is one storage write.
 */
export class SharedRateLimit {
  private readonly blocks = new LRUCache<string, Block>({ max: MAX_KEYS });

  constructor(private readonly storage: Storage) {}

  async hit(key: string, windowMs: number, limit: number, now: Date): Promise<{ count: number; resetAt: Date }> {
    if (!this.storage.reserveRateLimit) return this.storage.hitRateLimit(key, windowMs, now);
    const at = now.getTime();
    const windowStart = Math.floor(at / windowMs) * windowMs;
    for (;;) {
      let block = this.blocks.get(key);
      if (block && block.windowStart !== windowStart) block = undefined;
      if (block && block.next <= block.end) {
        const count = block.next;
        block.next += 1;
        return { count, resetAt: block.resetAt };
      }
      if (block?.pending) {
        await block.pending;
        continue;
      }
      // Past the limit there is nothing left to reserve: one more hit is counted, and refused.
      if (block && block.end >= limit) return this.storage.hitRateLimit(key, windowMs, now);
      const size = block ? Math.min(block.size * 2, MAX_BLOCK, Math.max(1, limit - block.end)) : 1;
      const current: Block = block ?? { windowStart, resetAt: new Date(windowStart + windowMs), next: 1, end: 0, size, pending: null };
      current.size = size;
      current.pending = this.storage.reserveRateLimit(key, windowMs, now, size).then(
        ({ count, resetAt }) => {
          current.next = count - size + 1;
          current.end = count;
          current.resetAt = resetAt;
          current.pending = null;
        },
        (error: unknown) => {
          current.pending = null;
          throw error;
        },
      );
      this.blocks.set(key, current);
      await current.pending;
    }
  }
}
