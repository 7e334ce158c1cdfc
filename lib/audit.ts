import { createHmac } from 'node:crypto';
import { randomId } from './crypto.js';
import type { Logger } from './config.js';
import type { Storage } from './storage.js';

/** Who made a request, as far as the engine can tell. */
export interface Caller {
  ip?: string | null;
  userAgent?: string | null;
}

export type EventListener = (event: { type: string; tenant: string; at: Date; data: Record<string, unknown> }) => void | Promise<void>;

/** `p***@example.com`: enough for a person to recognise, not enough to enumerate. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at).toLowerCase()}`;
}

/**
 * Records security-relevant events in the storage's audit trail and tells the host's listeners.
 * Neither may fail or slow down the request that caused the event: failures are logged, listeners run after.
 */
export class Auditor {
  private readonly listeners = new Map<string, Set<EventListener>>();

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly emailKey: Buffer,
  ) {}

  on(type: string, listener: EventListener): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** A keyed hash of an email, so audit rows can be correlated without storing the address. */
  emailHash(email: string): string {
    return createHmac('sha256', this.emailKey).update(email.toLowerCase()).digest('base64url').slice(0, 22);
  }

  async record(type: string, tenant: string, at: Date, caller: Caller, data: Record<string, unknown>): Promise<void> {
    try {
      await this.storage.appendAudit({
        id: randomId('evt_', 12),
        tenant,
        type,
        at,
        ip: caller.ip ?? null,
        userAgent: caller.userAgent?.slice(0, 512) ?? null,
        data,
      });
    } catch (error) {
      this.logger.error({ err: error, event: type }, 'audit write failed');
    }
    const listeners = this.listeners.get(type);
    if (!listeners || listeners.size === 0) return;
    const event = { type, tenant, at, data };
    for (const listener of listeners) {
      queueMicrotask(() => {
        Promise.resolve()
          .then(() => listener(event))
          .catch((error: unknown) => this.logger.error({ err: error, event: type }, 'event listener threw'));
      });
    }
  }
}
