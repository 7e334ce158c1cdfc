/** A real SMTP server on 127.0.0.1 for tests: what arrives is parsed with mailparser and handed out in order. */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Mailbox {
  received: ParsedMail[];
  /** Resolves with the next mail to `to` not handed out yet; rejects after `timeoutMs` (default 15 s). */
  next(to: string, timeoutMs?: number): Promise<ParsedMail>;
}

function listen(server: SMTPServer['server']): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export async function startSmtp(): Promise<{ port: number; mailbox: Mailbox; close(): Promise<void> }> {
  const received: ParsedMail[] = [];
  const handed = new Set<ParsedMail>();
  const waiting: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          waiting.splice(0).forEach((wake) => wake());
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  const port = await listen(server.server);
  const recipient = (mail: ParsedMail): string | undefined => (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address;
  const mailbox: Mailbox = {
    received,
    async next(to, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mail = received.find((m) => !handed.has(m) && recipient(m) === to);
        if (mail) {
          handed.add(mail);
          return mail;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
        await new Promise<void>((wake) => {
          const timer = setTimeout(wake, left);
          waiting.push(() => {
            clearTimeout(timer);
            wake();
          });
        });
      }
    },
  };
  return { port, mailbox, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
