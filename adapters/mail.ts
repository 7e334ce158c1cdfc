/**
 * Mailers for `aforo-bridge/mail`: SMTP through nodemailer for production, an inspectable outbox for tests,
 * and a console printer for development. The engine only knows the `Mailer` interface.
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MailMessage, Mailer } from '../lib/mailer.js';

export type { MailMessage, Mailer } from '../lib/mailer.js';

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:587` or `smtps://…:465`; nodemailer query options (`?tls.rejectUnauthorized=false`) work. */
  url?: string;
  /** nodemailer SMTP transport options, instead of `url`. */
  transport?: SMTPTransport.Options | SMTPPool.Options;
  /** Default sender; a tenant's own magic-link sender overrides it per message. */
  from: string;
}

function smtpConfigError(message: string): Error {
  return new Error(`smtpMailer: ${message}`);
}

/**
 * Sends mail over SMTP with a pooled nodemailer transport.
 *
 * @example
 * const mailer = smtpMailer({ url: process.env.SMTP_URL, from: 'Acme Billing <billing@acme.test>' });
 * const bridge = createBridge({ storage, mailer, issuer });
 */
export function smtpMailer(options: SmtpMailerOptions): Mailer {
  if (!options || typeof options !== 'object') throw smtpConfigError('options are required ({ url | transport, from })');
  const { url, transport, from } = options;
  if (typeof from !== 'string' || from.trim() === '') throw smtpConfigError('from is required (the default sender address)');
  if (url !== undefined && transport !== undefined) throw smtpConfigError('pass either url or transport, not both');
  if (url === undefined && transport === undefined) throw smtpConfigError('url or transport is required');

  let transporter: Transporter;
  if (url !== undefined) {
    if (typeof url !== 'string' || !URL.canParse(url)) throw smtpConfigError('url must be an smtp:// or smtps:// URL');
    const parsed = new URL(url);
    if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw smtpConfigError('url must be an smtp:// or smtps:// URL');
    // A pool reuses connections across the queue's concurrent sends; `?pool=false` in the URL opts out.
    if (!parsed.searchParams.has('pool')) parsed.searchParams.set('pool', 'true');
    // A relay on this machine (a dev mail catcher, a local MTA) usually offers STARTTLS with a self-signed
    // certificate; the mail never leaves the host, so its certificate is not checked unless the URL says so.
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
    if (loopback && !parsed.searchParams.has('tls.rejectUnauthorized')) parsed.searchParams.set('tls.rejectUnauthorized', 'false');
    transporter = nodemailer.createTransport(parsed.toString());
  } else {
    if (typeof transport !== 'object' || transport === null) throw smtpConfigError('transport must be nodemailer SMTP options');
    transporter = nodemailer.createTransport({ pool: true, ...transport } as SMTPPool.Options);
  }

  return {
    async send(message: MailMessage): Promise<void> {
      const info = (await transporter.sendMail({
        from: message.from ?? from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      })) as { rejected?: unknown[] };
      if (Array.isArray(info.rejected) && info.rejected.length > 0) {
        throw new Error('smtpMailer: the server rejected the recipient');
      }
    },
    async close(): Promise<void> {
      transporter.close();
    },
  };
}

/** A mailer that keeps every message in memory. */
export interface MemoryMailer extends Mailer {
  /** Every message sent, oldest first. */
  readonly outbox: MailMessage[];
  /** Empties the outbox. */
  clear(): void;
  /** Resolves with the first message (already sent or still to come) matching `predicate`; rejects after `timeoutMs` (default 5 s). */
  waitFor(predicate: (message: MailMessage) => boolean, timeoutMs?: number): Promise<MailMessage>;
}

/**
 * Collects mail in an inspectable outbox, for tests.
 *
 * @example
 * const mailer = memoryMailer();
 * const bridge = createBridge({ storage, mailer, issuer });
 * const mail = await mailer.waitFor((m) => m.to === 'ana@acme.test');
 * const token = new URL(/https?:\/\/\S+/.exec(mail.text)![0]).searchParams.get('aforo_magic_token');
 */
export function memoryMailer(): MemoryMailer {
  const outbox: MailMessage[] = [];
  let waiters: Array<(message: MailMessage) => boolean> = [];

  return {
    outbox,
    async send(message: MailMessage): Promise<void> {
      const copy = { ...message };
      outbox.push(copy);
      waiters = waiters.filter((offer) => !offer(copy));
    },
    clear(): void {
      outbox.length = 0;
    },
    waitFor(predicate, timeoutMs = 5_000): Promise<MailMessage> {
      let found: MailMessage | undefined;
      try {
        found = outbox.find(predicate);
      } catch (err) {
        return Promise.reject(err);
      }
      if (found) return Promise.resolve(found);
      return new Promise<MailMessage>((resolve, reject) => {
        const offer = (message: MailMessage): boolean => {
          let matched: boolean;
          try {
            matched = predicate(message);
          } catch (err) {
            // A throwing predicate fails its own waitFor, never the send that offered the message.
            clearTimeout(timer);
            reject(err);
            return true;
          }
          if (!matched) return false;
          clearTimeout(timer);
          resolve(message);
          return true;
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== offer);
          reject(new Error(`memoryMailer.waitFor: no matching mail within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(offer);
      });
    },
    async close(): Promise<void> {},
  };
}

export interface ConsoleMailerOptions {
  /** Where lines go (default: standard output). */
  write?: (line: string) => void;
}

/**
 * Prints each mail's recipient, subject and text part, for development. It prints the sign-in link itself:
 * never use it in production.
 *
 * @example
 * const bridge = createBridge({ storage: memoryStorage(), mailer: consoleMailer(), issuer: 'http://localhost:8787' });
 */
export function consoleMailer(options: ConsoleMailerOptions = {}): Mailer {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return {
    async send(message: MailMessage): Promise<void> {
      const lines = [
        '----- mail -----',
        ...(message.from ? [`From: ${message.from}`] : []),
        `To: ${message.to}`,
        `Subject: ${message.subject}`,
        '',
        message.text,
        '----------------',
      ];
      for (const line of lines) write(line);
    },
  };
}
