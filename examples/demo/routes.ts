import Router from '@koa/router';
import type Koa from 'koa';
import type { MemoryMailer } from '../../adapters/mail.js';
import { mintBridgeToken } from '../../lib/mint.js';
import { html, page } from './html.js';
import { SUBSCRIPTION_OF, TENANT, USERS, type DemoSecrets, type DemoUser } from './seed.js';

/** The portal's own pages allow nothing inline: the widgets must work under this policy. */
export const CSP = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; connect-src 'self'";

/**
 * The HTML part of a mail, shown as the customer's mail client would: its inline styles apply, nothing in it runs
 * (no script source at all, and `sandbox` gives it an opaque origin), and only this portal may frame it.
 */
// A click on the mail's sign-in button may take the tab to the link, as a mail client would open it.
const MAIL_SANDBOX = 'allow-top-navigation-by-user-activation';
export const MAIL_CSP = `default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox ${MAIL_SANDBOX}`;
const COOKIE = 'demo_user';
const LINK = /https?:\/\/[^\s<>"']+/g;

interface PortalOptions {
  secrets: DemoSecrets;
  mailer: MemoryMailer;
  css: string;
  /** Shown on the index page: where the data lives. */
  storageNote: string;
}

function currentUser(ctx: Koa.Context): DemoUser | null {
  const value = ctx.cookies.get(COOKIE, { signed: true });
  return value === 'alice' || value === 'bob' ? value : null;
}

async function readForm(ctx: Koa.Context): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of ctx.req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > 2048) ctx.throw(413, 'the form is too large');
  }
  return new URLSearchParams(body);
}

function widget(secrets: DemoSecrets, kind: string, extra: Record<string, string> = {}) {
  const attributes = Object.entries(extra).map(([name, value]) => html` ${name}="${value}"`);
  return html`<div class="widget" data-aforo-widget="${kind}" data-aforo-tenant-slug="${TENANT}" data-aforo-embed-key="${secrets.embedKey}"${attributes}></div>`;
}

function mails(mailer: MemoryMailer) {
  return mailer.outbox.map((mail, index) => ({ index, to: mail.to, from: mail.from ?? null, subject: mail.subject, text: mail.text, links: mail.text.match(LINK) ?? [] })).reverse();
}

/** The demo portal's routes: index, pricing, fake login, account, magic-link invoices, dev mail outbox. */
export function portalRoutes(options: PortalOptions): Router {
  const { secrets, mailer } = options;
  const router = new Router();
  const send = (ctx: Koa.Context, body: string) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = body;
  };

  router.get('/demo.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = options.css;
  });

  router.get('/favicon.ico', (ctx) => {
    ctx.status = 204;
  });

  router.get('/', (ctx) => {
    const user = currentUser(ctx);
    send(ctx, page({ title: 'aforo-bridge demo', user: user ? USERS[user].email : null }, html`
<p>A tenant portal with the aforo-bridge engine mounted at <code>/aforo</code>. Each page shows one way to use the widgets.</p>
<ul class="cards">
  <li><a href="/pricing">Pricing</a>: the pricing card, anonymous. Only published offerings appear.</li>
  <li><a href="/login">Log in</a> and open <a href="/account">your account</a>: the portal mints a bridge token per page view; the invoice list exchanges it.</li>
  <li><a href="/no-login/invoices">Invoices by email</a>: no portal login; the widget signs in by magic link.</li>
  <li><a href="/dev/mail">Dev mail</a>: the mail the engine sent (development only).</li>
</ul>
<h2>Seeded data</h2>
<dl>
  <dt>Tenant</dt><dd><code>${TENANT}</code> (Acme Cloud)</dd>
  <dt>Embed key</dt><dd><code>${secrets.embedKey}</code></dd>
  <dt>Customers</dt><dd><code>alice@example.com</code>, <code>bob@example.com</code></dd>
  <dt>Storage</dt><dd>${options.storageNote}</dd>
</dl>`));
  });

  router.get('/pricing', (ctx) => {
    const user = currentUser(ctx);
    send(ctx, page({ title: 'Pricing', user: user ? USERS[user].email : null, widgets: true }, html`
<p>Anonymous mode: no customer is known, the card needs only the tenant and the embed key.</p>
${widget(secrets, 'pricing-card', { 'data-aforo-featured-offering-id': 'pro' })}`));
  });

  router.get('/login', (ctx) => {
    send(ctx, page({ title: 'Log in', user: null }, html`
<p>A fake login: this portal trusts whoever you pick. A real portal checks a password first.</p>
<form method="post" action="/login" class="login">
  <label><input type="radio" name="user" value="alice" checked> Alice (alice@example.com)</label>
  <label><input type="radio" name="user" value="bob"> Bob (bob@example.com)</label>
  <button type="submit">Log in</button>
</form>`));
  });

  router.post('/login', async (ctx) => {
    const user = (await readForm(ctx)).get('user');
    if (user !== 'alice' && user !== 'bob') ctx.throw(400, 'pick alice or bob');
    ctx.cookies.set(COOKIE, user, { signed: true, httpOnly: true, sameSite: 'lax', overwrite: true });
    ctx.redirect('/account');
    ctx.status = 303;
  });

  router.post('/logout', (ctx) => {
    ctx.cookies.set(COOKIE, null, { signed: true });
    ctx.redirect('/');
    ctx.status = 303;
  });

  router.get('/account', async (ctx) => {
    const user = currentUser(ctx);
    if (!user) {
      ctx.redirect('/login');
      ctx.status = 303;
      return;
    }
    const profile = USERS[user];
    // One short-lived, one-time token per page view, minted server-side with the tenant's HS256 secret.
    const bridgeToken = await mintBridgeToken({
      kid: secrets.kid, alg: 'HS256', key: secrets.secret, externalCustomerId: profile.externalId, email: profile.email, name: profile.name,
    });
    ctx.set('cache-control', 'no-store');
    send(ctx, page({ title: `${profile.name}'s account`, user: profile.email, widgets: true }, html`
<p>Bridge-token mode: the portal signed you in; the widgets exchange the token they were given for one session (once, however many widgets carry it).</p>
${widget(secrets, 'subscription-manager', { 'data-aforo-bridge-token': bridgeToken })}
${widget(secrets, 'usage-meter', { 'data-aforo-bridge-token': bridgeToken, 'data-aforo-subscription-id': SUBSCRIPTION_OF[user] })}
<h2>Upgrade</h2>
<p>Pro, monthly: the button subscribes at once here (no payment processor in the demo); it says "Subscribed" if you have it.</p>
${widget(secrets, 'subscribe-button', { 'data-aforo-bridge-token': bridgeToken, 'data-aforo-offering-id': 'pro', 'data-aforo-rate-plan-id': 'pro-monthly' })}
${widget(secrets, 'pricing-card', { 'data-aforo-featured-offering-id': 'pro' })}
${widget(secrets, 'invoice-list', { 'data-aforo-bridge-token': bridgeToken })}
<form method="post" action="/logout"><button type="submit">Log out</button></form>`));
  });

  router.get('/no-login/invoices', (ctx) => {
    ctx.set('cache-control', 'no-store');
    send(ctx, page({ title: 'Your invoices', user: null, widgets: true }, html`
<p>Magic-link mode: enter <code>alice@example.com</code> or <code>bob@example.com</code>, then open the link from <a href="/dev/mail">Dev mail</a>.</p>
${widget(secrets, 'invoice-list', { 'data-aforo-magic-link': 'true' })}`));
  });

  router.get('/dev/mail.json', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { development: true, mails: mails(mailer) };
  });

  router.get('/dev/mail/:index/html', (ctx) => {
    const index = Number(ctx.params.index);
    const mail = /^\d+$/.test(ctx.params.index) ? mailer.outbox[index] : undefined;
    if (!mail) {
      ctx.status = 404;
      ctx.body = 'no such mail';
      return;
    }
    ctx.set('cache-control', 'no-store');
    ctx.set('content-security-policy', MAIL_CSP);
    ctx.set('x-frame-options', 'SAMEORIGIN');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = mail.html;
  });

  router.get('/dev/mail', (ctx) => {
    ctx.set('cache-control', 'no-store');
    const list = mails(mailer);
    send(ctx, page({ title: 'Dev mail', user: null }, html`
<p class="warning">Development only: this outbox shows every mail the engine sent, sign-in links included. A real deployment sends mail over SMTP.</p>
${list.length === 0 ? html`<p>No mail yet. Request a link on <a href="/no-login/invoices">Invoices by email</a>.</p>` : null}
${list.map((mail) => html`<article class="mail">
  <h2>${mail.subject}</h2>
  <p class="meta">To ${mail.to}${mail.from ? html` · from ${mail.from}` : null}</p>
  <ul>${mail.links.map((link) => html`<li><a href="${link}">${link}</a></li>`)}</ul>
  <iframe class="mail-html" sandbox="${MAIL_SANDBOX}" src="/dev/mail/${mail.index}/html" title="HTML part of: ${mail.subject}"></iframe>
  <details><summary>Text part</summary><pre>${mail.text}</pre></details>
</article>`)}`));
  });

  return router;
}
