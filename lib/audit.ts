import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { sortableId, type Sealer } from './crypto.js';
import type { Logger } from './config.js';
import { loggableError } from './errors.js';
import type { Storage } from './storage.js';
import type { AuditEvent } from './types.js';

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

const MAYBE_SECRET = /@|eyJ/;

/**
 * A user agent as the audit trail keeps it: at most 512 characters, with anything shaped like an email address or a
 * JWT masked. The header is the caller's own text, but the trail holds no token and no plain email, whoever sent it.
 */
export function auditUserAgent(userAgent: string | null | undefined): string | null {
  if (userAgent === undefined || userAgent === null) return null;
  const bounded = userAgent.slice(0, 512);
  if (!MAYBE_SECRET.test(bounded)) return bounded;
  return bounded.replace(/eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)*/g, '[jwt]').replace(/[^\s@;()]+@[^\s@;()]+/g, '[email]');
}

/**
 * Records security-relevant events in the storage's audit trail and tells the host's listeners.
 * Neither may fail or slow down the request that caused the event: failures are logged, listeners run after.
 */
export class Auditor {
  private readonly listeners = new Map<string, Set<EventListener>>();
  private emailKey: Buffer | null;

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
    masterKey: Buffer | null,
  ) {
    // Unchanged since the first release, so hashes recorded with a master key keep matching.
    this.emailKey = masterKey ? createHash('sha256').update('aforo-bridge audit email v1').update(masterKey).digest() : null;
  }

  /**
   * Without a master key, derives the `emailHash` key from the engine's signing private key; the engine calls this
   * at start, once its key is loaded or created. The key must be a secret of this installation: keyed by a constant,
   * anyone could hash a guessed address and look for it in an audit export. The engine key is such a secret
   * (generated at first start, kept in storage, the same for every process of the installation), and reusing it
   * needs no new storage record; HKDF with its own label makes the result independent of the signing use.
   */
  async loadEmailKey(sealer: Sealer): Promise<void> {
    if (this.emailKey) return;
    const stored = await this.storage.getEngineKey();
    if (!stored) throw new Error('the engine key is not stored: the engine has not started');
    const secret = sealer.open(stored.sealedPrivateKey);
    this.emailKey = Buffer.from(hkdfSync('sha256', secret, 'aforo-bridge', 'audit email hash v2', 32));
  }

  on(type: string, listener: EventListener): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** A keyed hash of an email, so audit rows can be correlated without storing the address. */
  emailHash(email: string): string {
    if (!this.emailKey) throw new Error('the audit email key is not loaded: the engine has not started');
    return createHmac('sha256', this.emailKey).update(email.toLowerCase()).digest('base64url').slice(0, 22);
  }

  /** The audit row of an event, for a storage step that appends it with other writes (then `announce` it). */
  event(type: string, tenant: string, at: Date, caller: Caller, data: Record<string, unknown>): AuditEvent {
    return {
      id: sortableId('evt_', at),
      tenant,
      type,
      at,
      ip: caller.ip ?? null,
      userAgent: auditUserAgent(caller.userAgent),
      data,
    };
  }

  async record(type: string, tenant: string, at: Date, caller: Caller, data: Record<string, unknown>): Promise<void> {
    const event = this.event(type, tenant, at, caller, data);
    try {
      await this.storage.appendAudit(event);
    } catch (error) {
      this.logger.error({ err: loggableError(error), event: type }, 'audit write failed');
    }
    this.announce(event);
  }

  /** Tells the listeners of an event's type, after the request (a listener can neither fail nor slow it). */
  announce({ type, tenant, at, data }: AuditEvent): void {
    const listeners = this.listeners.get(type);
    if (!listeners || listeners.size === 0) return;
    const event = { type, tenant, at, data };
    for (const listener of listeners) {
      queueMicrotask(() => {
        Promise.resolve()
          .then(() => listener(event))
          .catch((error: unknown) => this.logger.error({ err: loggableError(error), event: type }, 'event listener threw'));
      });
    }
  }
}
