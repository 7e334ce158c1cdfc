import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { consoleMailer, memoryMailer, smtpMailer } from '../adapters/mail.js';
import { createMailQueue, type MailQueueLogger } from '../lib/mail-queue.js';
import { defaultMagicLinkTemplate } from '../lib/mail-template.js';

const FROM = 'Acme Billing <billing@acme.test>';
const TOKEN = 'q8Zr1u6yH3xV0bN2mK5pL7tW9cE4aS1dF6gJ8hQ2wRe';
const LINK = `https://portal.acme.test/billing?aforo_magic_token=${TOKEN}`;

interface LocalSmtp {
  url: string;
  received: ParsedMail[];
  rcptAttempts: number;
  close(): Promise<void>;
}

async function startSmtp(options: { rejectRcpt?: boolean } = {}): Promise<LocalSmtp> {
  const state = { received: [] as ParsedMail[], rcptAttempts: 0 };
  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      state.rcptAttempts++;
      if (!options.rejectRcpt) return callback();
      callback(Object.assign(new Error(`<${address.address}>: mailbox unavailable`), { responseCode: 550 }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          state.received.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    get received() {
      return state.received;
    },
    get rcptAttempts() {
      return state.rcptAttempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function firstAddress(field: AddressObject | AddressObject[] | undefined): string | undefined {
  const object = Array.isArray(field) ? field[0] : field;
  return object?.value[0]?.address;
}

describe('smtpMailer against a real SMTP server', () => {
  let smtp: LocalSmtp;
  before(async () => {
    smtp = await startSmtp();
  });
  after(async () => {
    await smtp.close();
  });

  test('delivers a rendered magic-link mail with both parts, the exact link, the tenant name and the lifetime', async () => {
    const mailer = smtpMailer({ url: smtp.url, from: FROM });
    const rendered = defaultMagicLinkTemplate({
      tenant: { name: 'Acme Billing', logoUrl: 'https://cdn.acme.test/logo.png', primaryColor: '#0f766e' },
      link: LINK,
      expiresInMinutes: 15,
      email: 'ana@customer.test',
      locale: 'en',
    });
    await mailer.send({ to: 'ana@customer.test', ...rendered });
    await mailer.close?.();

    assert.equal(smtp.received.length, 1);
    const mail = smtp.received[0];
    assert.equal(firstAddress(mail.from), 'billing@acme.test');
    assert.equal(mail.from?.value[0]?.name, 'Acme Billing');
    assert.equal(firstAddress(mail.to), 'ana@customer.test');
    assert.equal(mail.subject, rendered.subject);
    assert.ok(typeof mail.text === 'string' && typeof mail.html === 'string', 'both a text and an html part');
    for (const part of [mail.text as string, mail.html as string]) {
      assert.ok(part.includes(LINK), 'the exact link');
      assert.ok(part.includes('Acme Billing'), 'the tenant name');
      assert.ok(part.includes('15 minutes'), 'the lifetime');
    }
  });

  test('a per-message sender overrides the default, and non-ASCII subjects survive encoding', async () => {
    const mailer = smtpMailer({ transport: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), secure: false, ignoreTLS: true }, from: FROM });
    const rendered = defaultMagicLinkTemplate({ tenant: { name: 'Bäckerei Müller' }, link: LINK, expiresInMinutes: 15, email: 'jo@customer.test', locale: 'de-AT' });
    await mailer.send({ to: 'jo@customer.test', from: 'Bäckerei <login@baeckerei.test>', ...rendered });
    await mailer.close?.();

    const mail = smtp.received.at(-1) as ParsedMail;
    assert.equal(firstAddress(mail.from), 'login@baeckerei.test');
    assert.equal(mail.subject, 'Ihr Anmeldelink für Bäckerei Müller');
    assert.ok((mail.text as string).includes('15 Minuten'));
  });
});

describe('smtpMailer through the mail queue, against a server that rejects the recipient', () => {
  test('retries, then gives up and logs without the address or the link', async () => {
    const smtp = await startSmtp({ rejectRcpt: true });
    const mailer = smtpMailer({ url: smtp.url, from: FROM });
    const entries: Array<{ level: string; obj: object; msg?: string }> = [];
    const logger: MailQueueLogger = {
      error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
      warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
    };
    const queue = createMailQueue({ mailer, logger, maxAttempts: 3, backoffMs: () => 1 });
    const rendered = defaultMagicLinkTemplate({ tenant: { name: 'Acme' }, link: LINK, expiresInMinutes: 15, email: 'ghost@customer.test', locale: 'en' });
    queue.enqueue({ to: 'ghost@customer.test', ...rendered });
    await queue.close();
    await mailer.close?.();
    await smtp.close();

    assert.equal(smtp.rcptAttempts, 3);
    assert.equal(smtp.received.length, 0);
    assert.deepEqual(entries.map((e) => e.level), ['warn', 'warn', 'error']);
    const last = entries[2].obj as { recipientDomain: string; attempt: number; err: { responseCode?: number; message: string } };
    assert.equal(last.recipientDomain, 'customer.test');
    assert.equal(last.attempt, 3);
    assert.equal(last.err.responseCode, 550);
    assert.match(last.err.message, /mailbox unavailable/);
    const logged = JSON.stringify(entries);
    for (const secret of ['ghost@customer.test', TOKEN, LINK]) assert.ok(!logged.includes(secret), `logs must not contain ${secret}`);
  });
});

describe('smtpMailer options', () => {
  test('invalid options fail at construction naming the option', () => {
    assert.throws(() => smtpMailer({ url: 'smtp://127.0.0.1:2525', from: '' }), /from/);
    assert.throws(() => smtpMailer({ from: FROM }), /url or transport/);
    assert.throws(() => smtpMailer({ url: 'smtp://127.0.0.1:2525', transport: { host: '127.0.0.1' }, from: FROM }), /either url or transport/);
    assert.throws(() => smtpMailer({ url: 'https://mail.acme.test', from: FROM }), /url must be an smtp/);
    assert.throws(() => smtpMailer({ url: 'not a url', from: FROM }), /url must be an smtp/);
  });
});

describe('memoryMailer', () => {
  test('keeps an inspectable outbox that clear() empties', async () => {
    const mailer = memoryMailer();
    await mailer.send({ to: 'a@acme.test', subject: 's', text: 't', html: 'h' });
    assert.equal(mailer.outbox.length, 1);
    assert.equal(mailer.outbox[0].to, 'a@acme.test');
    mailer.clear();
    assert.equal(mailer.outbox.length, 0);
  });

  test('waitFor resolves with a message already sent or one that arrives later, and rejects on timeout', async () => {
    const mailer = memoryMailer();
    await mailer.send({ to: 'a@acme.test', subject: 'first', text: 't', html: 'h' });
    assert.equal((await mailer.waitFor((m) => m.to === 'a@acme.test')).subject, 'first');

    const later = mailer.waitFor((m) => m.to === 'b@acme.test');
    await mailer.send({ to: 'c@acme.test', subject: 'other', text: 't', html: 'h' });
    await mailer.send({ to: 'b@acme.test', subject: 'second', text: 't', html: 'h' });
    assert.equal((await later).subject, 'second');

    await assert.rejects(mailer.waitFor((m) => m.to === 'nobody@acme.test', 5), /no matching mail/);
  });
});

describe('consoleMailer', () => {
  test('prints the recipient, the subject and the text part', async () => {
    const lines: string[] = [];
    const mailer = consoleMailer({ write: (line) => lines.push(line) });
    await mailer.send({ to: 'a@acme.test', subject: 'Your sign-in link', text: `Open ${LINK}`, html: '<p>ignored</p>' });
    const printed = lines.join('\n');
    assert.match(printed, /To: a@acme\.test/);
    assert.match(printed, /Subject: Your sign-in link/);
    assert.ok(printed.includes(LINK));
    assert.ok(!printed.includes('<p>ignored</p>'));
  });
});
