/**
 * Delivers mail off the request path (SPEC section 6.2): the magic-link answer must look and take the same
 * whether or not a mail goes out, so the request only enqueues and never waits for or learns about delivery.
 */
import type { MailMessage, Mailer } from './mailer.js';

/** The slice of a pino-style logger the queue uses. */
export interface MailQueueLogger {
  error(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}

export interface MailQueueOptions {
  mailer: Mailer;
  logger?: MailQueueLogger;
  /** Delivery attempts per message, the first included (default 5). */
  maxAttempts?: number;
  /** Delay before retry after failed attempt `attempt` (1-based); default {@link defaultBackoffMs}. */
  backoffMs?: (attempt: number) => number;
  /** Messages held at once, retries included (default 10 000); past it new mail is dropped and logged. */
  maxQueued?: number;
  /** Sends in flight at once (default 5, the size of nodemailer's default SMTP pool). */
  concurrency?: number;
}

export interface MailQueue {
  /** Queues a message and returns at once; never throws, whatever the mailer does. */
  enqueue(message: MailMessage): void;
  /** Resolves once everything queued was delivered or given up, or after `timeoutMs` (default 30 s). */
  drain(timeoutMs?: number): Promise<void>;
  /** Refuses new mail, drains (bounded by `timeoutMs`), then drops what is left. Does not close the mailer. */
  close(timeoutMs?: number): Promise<void>;
  /** Messages waiting, sending or waiting for a retry. */
  readonly pending: number;
}

/** Exponential back-off from 200 ms, capped at 30 s, with jitter so retries of a burst spread out. */
export function defaultBackoffMs(attempt: number): number {
  const base = Math.min(30_000, 200 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

interface Job {
  message: MailMessage;
  attempt: number;
}

const EMAIL_PATTERN = /[^\s<>()"',;:@]+@([^\s<>()"',;:@]+)/g;

function recipientDomain(to: unknown): string {
  const match = typeof to === 'string' ? /@([^\s<>@]+)>?\s*$/.exec(to) : null;
  return match ? match[1].toLowerCase() : 'unknown';
}

// SMTP replies often quote the recipient ("550 <ana@x.test> unknown"); logs keep only the domain, since the
// address is personal data. The body (which holds the one-time link) never reaches the logger at all.
function describeCause(err: unknown): Record<string, unknown> {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Record<string, unknown>;
  const message = String(e.message ?? '')
    .replace(EMAIL_PATTERN, (_all, domain: string) => `***@${domain}`)
    .replace(/https?:\/\/\S+/g, '<url>')
    .slice(0, 500);
  const cause: Record<string, unknown> = { name: typeof e.name === 'string' ? e.name : 'Error', message };
  if (typeof e.code === 'string' || typeof e.code === 'number') cause.code = e.code;
  if (typeof e.responseCode === 'number') cause.responseCode = e.responseCode;
  if (typeof e.command === 'string') cause.command = e.command;
  return cause;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`mail queue: ${name} must be a positive integer`);
  return value;
}

/**
 * Creates a background mail queue with retries.
 *
 * @example
 * const queue = createMailQueue({ mailer: smtpMailer({ url, from }), logger: pino() });
 * queue.enqueue({ to, subject, text, html }); // returns at once
 * await queue.close(); // on shutdown
 */
export function createMailQueue(options: MailQueueOptions): MailQueue {
  const { mailer, logger } = options;
  if (!mailer || typeof mailer.send !== 'function') throw new Error('mail queue: mailer must have a send(message) method');
  if (options.backoffMs !== undefined && typeof options.backoffMs !== 'function') {
    throw new Error('mail queue: backoffMs must be a function of the attempt number');
  }
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts, 5);
  const maxQueued = positiveInteger('maxQueued', options.maxQueued, 10_000);
  const concurrency = positiveInteger('concurrency', options.concurrency, 5);
  const backoffMs = options.backoffMs ?? defaultBackoffMs;

  const ready: Job[] = [];
  const retryTimers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let closed = false;
  // Set once close() has drained: from then on nothing is retried, so no timer outlives the queue.
  let stopped = false;
  let pumpScheduled = false;
  let idleWaiters: Array<() => void> = [];

  const pending = () => ready.length + inFlight + retryTimers.size;

  // A logger that throws must not turn into an unhandled rejection or reach enqueue's caller.
  function log(level: 'error' | 'warn', obj: object, msg: string): void {
    try {
      if (level === 'warn' && logger?.warn) logger.warn(obj, msg);
      else logger?.error(obj, msg);
    } catch {
      /* nothing sensible left to do */
    }
  }

  // A throwing back-off function must not lose the message in a rejected promise nobody awaits.
  function retryDelay(attempt: number): number {
    try {
      const delay = backoffMs(attempt);
      return Number.isFinite(delay) && delay >= 0 ? delay : defaultBackoffMs(attempt);
    } catch {
      return defaultBackoffMs(attempt);
    }
  }

  function settleIfIdle(): void {
    if (pending() > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    // Not unref'd: an unref'd immediate does not wake a blocked event loop, so a retry could stall until
    // unrelated I/O arrives. It runs once and lets go; only the long-lived retry timers are unref'd.
    setImmediate(pump);
  }

  function pump(): void {
    pumpScheduled = false;
    while (inFlight < concurrency && ready.length > 0) {
      const job = ready.shift() as Job;
      inFlight++;
      // The promise wrapper turns a mailer that throws synchronously into an ordinary failed attempt.
      Promise.resolve()
        .then(() => mailer.send(job.message))
        .then(
          () => finish(job, null),
          (err: unknown) => finish(job, err ?? new Error('mailer rejected without a reason')),
        );
    }
  }

  function finish(job: Job, err: unknown): void {
    inFlight--;
    if (err !== null) {
      const details = { recipientDomain: recipientDomain(job.message.to), attempt: job.attempt, maxAttempts, err: describeCause(err) };
      if (job.attempt >= maxAttempts || stopped) {
        log('error', details, 'mail delivery failed; giving up');
      } else {
        log('warn', details, 'mail delivery failed; will retry');
        const timer = setTimeout(() => {
          retryTimers.delete(timer);
          ready.push({ message: job.message, attempt: job.attempt + 1 });
          schedulePump();
        }, retryDelay(job.attempt));
        timer.unref();
        retryTimers.add(timer);
      }
    }
    schedulePump();
    settleIfIdle();
  }

  function drain(timeoutMs = 30_000): Promise<void> {
    if (pending() === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // Deliberately not unref'd: whoever awaits drain wants the process to stay up until it settles.
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        idleWaiters = idleWaiters.filter((w) => w !== done);
        resolve();
      }
      idleWaiters.push(done);
    });
  }

  return {
    enqueue(message: MailMessage): void {
      try {
        if (typeof message !== 'object' || message === null) {
          log('error', {}, 'mail queue: not a mail message; dropped');
          return;
        }
        const domain = recipientDomain(message.to);
        if (closed) {
          log('warn', { recipientDomain: domain }, 'mail queue is closed; mail dropped');
          return;
        }
        if (pending() >= maxQueued) {
          log('error', { recipientDomain: domain, maxQueued }, 'mail queue is full; mail dropped');
          return;
        }
        ready.push({ message, attempt: 1 });
        schedulePump();
      } catch {
        /* enqueue never throws: the request path must not learn about delivery */
      }
    },
    drain,
    async close(timeoutMs?: number): Promise<void> {
      closed = true;
      await drain(timeoutMs);
      stopped = true;
      const dropped = ready.length + retryTimers.size;
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      ready.length = 0;
      if (dropped > 0) log('warn', { dropped }, 'mail queue closed with undelivered mail');
      settleIfIdle();
    },
    get pending() {
      return pending();
    },
  };
}
