import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = mkdtempSync(join(tmpdir(), 'aforo-demo-'));
const DB = join(DIR, 'demo.db');
const CSP = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; connect-src 'self'";
// Guards against a hung child or a mail that never comes, never a timing assertion.
const HANG_GUARD_MS = 30_000;

after(() => rmSync(DIR, { recursive: true, force: true }));

interface Demo {
  child: ChildProcess;
  base: string;
  stdout: string;
  exited: Promise<number | null>;
}

async function startDemo(args: string[] = []): Promise<Demo> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AFORO_')) env[key] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/server.ts', ...args], {
    cwd: ROOT, env: { ...env, PORT: '0', AFORO_DEMO_DB: DB }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const base = await new Promise<string>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`demo did not start: ${stderr}`)), HANG_GUARD_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /demo portal: (http:\/\/localhost:\d+)\/\n(?:.*\n){5}.*\n/.exec(stdout);
      if (match) {
        clearTimeout(guard);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`demo exited with ${code}: ${stderr}`)));
  });
  return { child, base, stdout, exited };
}

async function stopDemo(demo: Demo): Promise<void> {
  demo.child.kill('SIGTERM');
  assert.equal(await demo.exited, 0);
}

function embedKeyOf(stdout: string): string {
  const key = /embed key (ek_live_\S+);/.exec(stdout)?.[1];
  assert.ok(key, stdout);
  return key;
}

async function waitForMail(base: string, to: string): Promise<{ links: string[] }> {
  const guard = Date.now() + HANG_GUARD_MS;
  for (;;) {
    const { mails } = (await (await fetch(`${base}/dev/mail.json`)).json()) as { mails: Array<{ to: string; links: string[] }> };
    const mail = mails.find((m) => m.to === to);
    if (mail) return mail;
    if (Date.now() > guard) throw new Error('no mail arrived');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('demo: seeds on first start, serves its pages under a strict CSP, and the three flows work over HTTP', async (t) => {
  const demo = await startDemo();
  t.after(() => stopDemo(demo));
  const { base } = demo;
  const origin = base;
  const embedKey = embedKeyOf(demo.stdout);
  assert.match(demo.stdout, /\(seeded now\)/);
  const embed = { origin, 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey };

  for (const path of ['/', '/pricing', '/login', '/no-login/invoices', '/dev/mail']) {
    const response = await fetch(base + path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('content-security-policy'), CSP, path);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const body = await response.text();
    assert.ok(!/<script(?![^>]*\ssrc=)/.test(body), `${path} has an inline script`);
    assert.ok(!/<style|\sstyle=|\son[a-z]+=/i.test(body), `${path} has inline style or handlers`);
  }
  const pricing = await (await fetch(`${base}/pricing`)).text();
  assert.match(pricing, /<script src="\/aforo\/v1\/embed\/loader\.js" defer><\/script>/);
  assert.ok(pricing.includes(`<div class="widget" data-aforo-widget="pricing-card" data-aforo-tenant-slug="acme" data-aforo-embed-key="${embedKey}" data-aforo-featured-offering-id="pro"></div>`));
  const noLogin = await (await fetch(`${base}/no-login/invoices`)).text();
  assert.match(noLogin, /data-aforo-widget="invoice-list"[^>]*data-aforo-magic-link="true"/);
  assert.match((await (await fetch(`${base}/dev/mail`)).text()), /Development only/);
  const css = await fetch(`${base}/demo.css`);
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  assert.equal((await fetch(`${base}/nothing`)).status, 404);
  const anonymous = await fetch(`${base}/account`, { redirect: 'manual' });
  assert.deepEqual([anonymous.status, anonymous.headers.get('location')], [303, '/login']);

  // Flow 1: anonymous pricing sees only published offerings.
  const config = (await (await fetch(`${base}/aforo/v1/embed/config`, { headers: embed })).json()) as {
    tenant: { name: string; branding: { primaryColor: string } }; offerings: Array<{ id: string }>;
  };
  assert.equal(config.tenant.name, 'Acme Cloud');
  assert.equal(config.tenant.branding.primaryColor, '#4f46e5');
  assert.deepEqual(config.offerings.map((o) => o.id).sort(), ['pro', 'starter']);

  // Flow 2: portal login, a bridge token per page view, exchanged for a session that lists alice's invoices.
  const login = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'user=alice',
  });
  assert.deepEqual([login.status, login.headers.get('location')], [303, '/account']);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  assert.match(cookie, /demo_user=alice; demo_user\.sig=/);
  const forged = await fetch(`${base}/account`, { redirect: 'manual', headers: { cookie: 'demo_user=bob' } });
  assert.equal(forged.status, 303, 'an unsigned cookie is not a login');
  const tokens: string[] = [];
  for (let view = 0; view < 2; view += 1) {
    const account = await fetch(`${base}/account`, { headers: { cookie } });
    assert.equal(account.status, 200);
    assert.equal(account.headers.get('cache-control'), 'no-store');
    const markup = await account.text();
    const token = /data-aforo-bridge-token="([^"]+)"/.exec(markup)?.[1];
    assert.ok(token);
    // All five widgets; the four customer-scoped ones each given the page's one token.
    for (const kind of ['subscription-manager', 'invoice-list']) {
      assert.match(markup, new RegExp(`<div class="widget" data-aforo-widget="${kind}" data-aforo-tenant-slug="acme" data-aforo-embed-key="ek_live_[^"]+" data-aforo-bridge-token="${token}">`));
    }
    assert.match(markup, new RegExp(`data-aforo-widget="usage-meter" [^>]*data-aforo-bridge-token="${token}" data-aforo-subscription-id="sub_alice_starter">`));
    assert.match(markup, new RegExp(`data-aforo-widget="subscribe-button" [^>]*data-aforo-bridge-token="${token}" data-aforo-offering-id="pro" data-aforo-rate-plan-id="pro-monthly">`));
    assert.match(markup, /data-aforo-widget="pricing-card" /);
    tokens.push(token);
  }
  assert.notEqual(tokens[0], tokens[1], 'each page view mints its own token');
  const session = await fetch(`${base}/aforo/v1/embed/auth/bridge`, {
    method: 'POST', headers: { ...embed, 'content-type': 'application/json' }, body: JSON.stringify({ bridgeToken: tokens[1] }),
  });
  assert.equal(session.status, 200);
  const { sessionJwt, customer } = (await session.json()) as { sessionJwt: string; customer: { email: string } };
  assert.equal(customer.email, 'alice@example.com');
  const invoices = (await (await fetch(`${base}/aforo/v1/embed/invoices`, { headers: { ...embed, authorization: `Bearer ${sessionJwt}` } })).json()) as {
    invoices: Array<{ number: string; status: string }>;
  };
  assert.deepEqual(invoices.invoices.map((i) => `${i.number} ${i.status}`).sort(), ['ACME-1001 PAID', 'ACME-1002 OPEN', 'ACME-1003 OVERDUE']);
  const subscriptions = (await (await fetch(`${base}/aforo/v1/embed/subscriptions`, { headers: { ...embed, authorization: `Bearer ${sessionJwt}` } })).json()) as {
    subscriptions: Array<{ id: string; ratePlanId: string; status: string; cancelAtPeriodEnd: boolean }>;
  };
  assert.deepEqual(subscriptions.subscriptions.map((s) => [s.id, s.ratePlanId, s.status, s.cancelAtPeriodEnd]), [['sub_alice_starter', 'starter-monthly', 'ACTIVE', false]]);

  // Flow 3: magic link for bob, read from the dev outbox, exchanged for a session that lists bob's invoices.
  const requested = await fetch(`${base}/aforo/v1/embed/auth/magic-link`, {
    method: 'POST', headers: { ...embed, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bob@example.com', returnUrl: `${base}/no-login/invoices` }),
  });
  assert.equal(requested.status, 202);
  const mail = await waitForMail(base, 'bob@example.com');
  const link = mail.links.find((l) => l.startsWith(`${base}/no-login/invoices?aforo_magic_token=`));
  assert.ok(link, JSON.stringify(mail.links));
  const outbox = await (await fetch(`${base}/dev/mail`)).text();
  assert.ok(outbox.includes(`<a href="${link}">`));
  // The HTML part as the customer sees it, in a sandboxed frame (no scripts); the text part behind a toggle.
  const frame = /<iframe class="mail-html" sandbox="allow-top-navigation-by-user-activation" src="(\/dev\/mail\/\d+\/html)"/.exec(outbox);
  assert.ok(frame, 'an iframe for the HTML part');
  assert.match(outbox, /<details><summary>Text part<\/summary><pre>/);
  const part = await fetch(`${base}${frame[1]}`);
  assert.equal(part.status, 200);
  assert.match(part.headers.get('content-type') ?? '', /^text\/html/);
  const policy = part.headers.get('content-security-policy') ?? '';
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /\bsandbox allow-top-navigation-by-user-activation$/);
  assert.doesNotMatch(policy, /allow-scripts|allow-same-origin/);
  assert.doesNotMatch(policy, /script-src/);
  assert.equal(part.headers.get('x-frame-options'), 'SAMEORIGIN');
  const mailHtml = await part.text();
  assert.match(mailHtml, /<html|<table|<body/i);
  assert.ok(mailHtml.includes('Acme'), 'the tenant name is in the HTML part');
  assert.equal((await fetch(`${base}/dev/mail/9999/html`)).status, 404);
  const magicToken = new URL(link).searchParams.get('aforo_magic_token');
  const magic = await fetch(`${base}/aforo/v1/embed/auth/magic-link/exchange`, {
    method: 'POST', headers: { ...embed, 'content-type': 'application/json' }, body: JSON.stringify({ token: magicToken }),
  });
  assert.equal(magic.status, 200);
  const bob = (await magic.json()) as { sessionJwt: string };
  const bobInvoices = (await (await fetch(`${base}/aforo/v1/embed/invoices`, { headers: { ...embed, authorization: `Bearer ${bob.sessionJwt}` } })).json()) as {
    invoices: Array<{ number: string }>;
  };
  assert.deepEqual(bobInvoices.invoices.map((i) => i.number).sort(), ['ACME-2001', 'ACME-2002']);
});

test('demo: a second start reuses the database; --reset starts from scratch', async () => {
  const secrets = JSON.parse(readFileSync(join(DIR, 'demo.json'), 'utf8')) as { kid: string; embedKey: string };
  const again = await startDemo();
  try {
    assert.match(again.stdout, /\(reused\)/);
    assert.equal(embedKeyOf(again.stdout), secrets.embedKey);
    assert.equal((JSON.parse(readFileSync(join(DIR, 'demo.json'), 'utf8')) as { kid: string }).kid, secrets.kid);
  } finally {
    await stopDemo(again);
  }
  const reset = await startDemo(['--reset']);
  try {
    assert.match(reset.stdout, /\(seeded now\)/);
    assert.notEqual(embedKeyOf(reset.stdout), secrets.embedKey);
  } finally {
    await stopDemo(reset);
  }
});
