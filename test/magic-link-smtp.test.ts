import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { smtpMailer } from '../adapters/mail.js';
import type { MagicLinkTemplate } from '../lib/mail-template.js';
import { createFixture, ORIGIN, type Fixture } from './http/fixture.js';
import { mountKoa } from './http/mounts.js';
import { startSmtp } from './helpers/smtp.js';

/** The engine's own magic-link mail through a real SMTP server, parsed as a mail client would. */
describe('magic link through a real SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
  });
  after(() => smtp.close());

  const setUp = (magicLink: Record<string, unknown> = {}) =>
    createFixture(mountKoa, {
      mailer: smtpMailer({ url: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`, from: 'Billing <billing@portal.example.com>' }),
      magicLink,
    });

  async function signIn(f: Fixture, email: string) {
    await f.admin('PUT', `/tenants/${f.tenant}/customers/smtp-1`, { email });
    const asked = await f.call('POST', '/v1/embed/auth/magic-link', {
      body: { email, returnUrl: `${ORIGIN}/billing?tab=1#top` }, headers: f.embedHeaders(),
    });
    assert.equal(asked.status, 202);
    await f.bridge.drain();
    return smtp.mailbox.next(email);
  }

  it('smtp: the mail has text and HTML parts, the tenant name and the link; its token exchanges once', async () => {
    const f = await setUp();
    try {
      const mail = await signIn(f, 'smtp.one@example.com');
      assert.equal(mail.from?.value[0]?.address, 'billing@portal.example.com');
      assert.ok(mail.text && mail.html, 'both parts');
      assert.match(mail.subject ?? '', new RegExp(`Tenant ${f.tenant}`));
      const link = /https:\/\/shop\.example\.com\/billing\?tab=1&aforo_magic_token=([A-Za-z0-9_-]+)#top/.exec(mail.text as string);
      assert.ok(link, mail.text);
      assert.ok(String(mail.html).includes(link[0].replace(/&/g, '&amp;')) || String(mail.html).includes(link[0]));
      assert.match(mail.text as string, /15 minutes/);
      const exchange = () => f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token: link[1] }, headers: f.embedHeaders() });
      assert.equal((await exchange()).status, 200);
      assert.equal((await exchange()).body.error.code, 'magic_link_invalid');
    } finally {
      await f.close();
    }
  });

  it('smtp: a replaced template and a locale reach the mail', async () => {
    const template: MagicLinkTemplate = (ctx) => ({
      subject: `[${ctx.locale}] ${ctx.tenant.name}`,
      text: `Entrar: ${ctx.link} (${ctx.expiresInMinutes} min)`,
      html: `<p><a href="${ctx.link}">Entrar</a></p>`,
    });
    const custom = await setUp({ template, locale: 'es-MX', ttl: 600 });
    try {
      const mail = await signIn(custom, 'smtp.two@example.com');
      assert.equal(mail.subject, `[es-MX] Tenant ${custom.tenant}`);
      assert.match(mail.text as string, /^Entrar: https:\/\/shop\.example\.com\/.*aforo_magic_token=.* \(10 min\)/);
    } finally {
      await custom.close();
    }
    const spanish = await setUp({ locale: 'es' });
    try {
      const mail = await signIn(spanish, 'smtp.three@example.com');
      assert.doesNotMatch(mail.subject ?? '', /^Sign in/);
    } finally {
      await spanish.close();
    }
  });
});

describe('smtpMailer and a local relay', () => {
  it('smtpMailer: a loopback relay offering STARTTLS with its own self-signed certificate still gets the mail', async () => {
    const { SMTPServer } = await import('smtp-server');
    let received = 0;
    const server = new SMTPServer({
      authOptional: true,
      logger: false,
      onData(stream, _session, callback) {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          received += 1;
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as { port: number };
    const mailer = smtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'billing@portal.example.com' });
    try {
      await mailer.send({ to: 'someone@example.com', subject: 'hello', text: 'hello', html: '<p>hello</p>' });
      assert.equal(received, 1);
    } finally {
      await mailer.close?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
