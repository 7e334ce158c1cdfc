import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, cspViolations, launchChromium, persistedState, recordPage, renderedDom } from './helpers/browser.js';
import { cleanEnv } from './helpers/child.js';
import { call, startStudioWorld, STUDIO_ADMIN_TOKEN, type StudioWorld } from './helpers/studio.js';

const SHOTS = join(ARTIFACTS, 'studio');
const PAGES = ['tenants', 'embed-keys', 'signing-keys', 'checker', 'offerings', 'customers', 'audit', 'snippets'];

describe('Embed Studio in Chromium: a new tenant from sign-in to key rotation', () => {
  let world: StudioWorld;
  let browser: Browser | null = null;
  let context: BrowserContext;
  let page: Page;
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];
  let consoleErrors: string[] = [];
  let answerDialogs = true;
  const secrets: string[] = [];
  let spentToken = '';

  const go = async (id: string) => {
    await page.evaluate((hash) => { location.hash = hash; }, id);
    await page.locator(`nav a[href="#${id}"][aria-current="page"]`).waitFor();
    await page.locator('main[aria-busy="false"] h1').waitFor();
  };
  const notice = () => page.locator('.notice[role="status"]:not([hidden])');
  const mint = async (alg: string): Promise<{ kid: string; secret: string }> => {
    await page.selectOption('#mint-alg', alg);
    await page.click('#mint-key button[type="submit"]');
    await page.locator('#secret-once').waitFor();
    const secret = await page.inputValue('#minted-secret');
    const kid = /sk_[A-Za-z0-9_-]+/.exec((await page.locator('#secret-once h2').textContent()) ?? '')?.[0] ?? '';
    secrets.push(secret);
    return { kid, secret };
  };
  const storedIt = async () => {
    await page.check('#stored-it');
    await page.click('#secret-done');
    await page.locator('#secret-once').waitFor({ state: 'detached' });
  };

  before(async () => {
    world = await startStudioWorld();
  });
  after(async () => {
    await browser?.close();
    await world.close();
  });

  test('studio: the full run as a new tenant, with the secret shown once and every step in the audit log', async (t) => {
    browser = await launchChromium(t);
    if (!browser) return;
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', timezoneId: 'UTC', colorScheme: 'light' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.origin });
    page = await context.newPage();
    ({ consoleErrors } = await recordPage(page));
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('request', (request) => { if (!request.url().startsWith(world.origin)) offOrigin.push(request.url()); });
    page.on('dialog', (dialog) => void (answerDialogs ? dialog.accept() : dialog.dismiss()));

    // Sign in.
    await page.goto(`${world.base}/studio`);
    await page.locator('#admin-token').waitFor();
    await page.fill('#admin-token', 'not-the-admin-token');
    await page.click('form.sign-in button[type="submit"]');
    await page.locator('.sign-in [role="alert"]:not([hidden])').waitFor();
    await page.fill('#admin-token', STUDIO_ADMIN_TOKEN);
    await page.click('form.sign-in button[type="submit"]');
    await page.locator('nav a[href="#tenants"]').waitFor();
    assert.equal((await persistedState(page)).cookie, '', 'the studio cookie is HttpOnly');
    assert.equal((await renderedDom(page)).includes(STUDIO_ADMIN_TOKEN), false, 'the admin token is not kept in the page');

    // Create a tenant.
    await page.fill('#tenant-slug', 'acme');
    await page.fill('#tenant-name', 'Acme Inc.');
    await page.locator('#tenant-color').evaluate((input: HTMLInputElement) => {
      input.value = '#0f766e';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    assert.match((await page.locator('.preview code').textContent()) ?? '', /#0f766e/, 'the preview follows the colour');
    await page.fill('#tenant-from', 'billing@acme.test');
    await page.click('#create-tenant button[type="submit"]');
    await notice().filter({ hasText: 'Tenant acme created.' }).waitFor();
    assert.equal(await page.inputValue('#tenant-picker'), 'acme');

    // An embed key for the page's origin; a malformed origin gets the API's message.
    await go('embed-keys');
    await page.fill('#new-origins', 'https://shop.acme.test/path');
    await page.click('#create-embed-key button[type="submit"]');
    await page.locator('.notice-error').filter({ hasText: 'allowedOrigins' }).waitFor();
    await page.fill('#new-origins', `${world.origin}\nHTTPS://Shop.Acme.Test:443`);
    await page.click('#create-embed-key button[type="submit"]');
    await notice().filter({ hasText: 'Embed key created.' }).waitFor();
    const embedKey = ((await page.locator('.embed-key-id').first().textContent()) ?? '').trim();
    assert.match(embedKey, /^ek_live_/);
    assert.match(await page.inputValue('textarea.origins'), /https:\/\/shop\.acme\.test$/m, 'stored in normal form');

    // Mint an HS256 key: the secret is on screen once, copyable, and the page holds until it is stored.
    await go('signing-keys');
    const first = await mint('HS256');
    assert.ok(first.secret.length >= 43 && first.kid.startsWith('sk_'));
    assert.ok((await renderedDom(page)).includes(first.secret), 'the minting page shows it');
    await page.click('#copy-secret');
    await page.locator('#secret-once [role="status"]').filter({ hasText: 'Copied.' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, first.secret);
    answerDialogs = false;
    await page.evaluate(() => { location.hash = 'audit'; });
    await page.locator('#secret-once').waitFor();
    assert.equal(await page.locator('main h1').textContent(), 'Auth Bridge', 'leaving is held while the secret is unconfirmed');
    answerDialogs = true;
    assert.equal(await page.locator('#secret-done').isDisabled(), true);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'signing-keys-minted-light.png'), fullPage: true });
    await storedIt();
    assert.equal((await renderedDom(page)).includes(first.secret), false, 'gone once stored');
    const state = await persistedState(page);
    assert.equal(JSON.stringify(state).includes(first.secret), false, 'never in web storage or cookies');
    assert.equal(state.localStorage, '{}');
    assert.deepEqual(state.sessionStorage, {});
    await page.click(`tr:has(code.kid:text-is("${first.kid}")) button.promote`);
    await notice().filter({ hasText: `${first.kid} is ACTIVE` }).waitFor();

    // The snippet page's Node code mints a token that the exchange takes.
    await go('snippets');
    assert.equal((await renderedDom(page)).includes(first.secret), false, 'not on the page after navigation');
    await page.selectOption('#snippet-kid', first.kid);
    const html = (await page.locator('#snippet-html').textContent()) ?? '';
    assert.ok(html.includes('data-aforo-tenant-slug="acme"') && html.includes(`data-aforo-embed-key="${embedKey}"`) && html.includes(`${world.base}/v1/embed/loader.js`));
    const nodeCode = (await page.locator('#snippet-mint').textContent()) ?? '';
    assert.ok(nodeCode.includes(first.kid) && !nodeCode.includes(first.secret));
    let pythonCode = '';
    for (const lang of ['python', 'go']) {
      await page.selectOption('#snippet-lang', lang);
      const code = (await page.locator('#snippet-mint').textContent()) ?? '';
      assert.ok(code.includes(first.kid) && code.includes('AFORO_SECRET'), lang);
      if (lang === 'python') pythonCode = code;
    }
    for (const mode of ['magic-link', 'anonymous']) {
      await page.selectOption('#snippet-mode', mode);
      const snippet = (await page.locator('#snippet-html').textContent()) ?? '';
      assert.ok(snippet.includes(mode === 'anonymous' ? 'pricing-card' : 'data-aforo-magic-link="true"'), mode);
    }
    await page.selectOption('#snippet-mode', 'bridge');
    await page.selectOption('#snippet-lang', 'node');
    const dir = join(ARTIFACTS, 'studio');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'mint-node.mjs'), nodeCode);
    const run = spawnSync(process.execPath, [join(dir, 'mint-node.mjs')], {
      env: cleanEnv({ AFORO_SECRET: copied, AFORO_EXTERNAL_CUSTOMER_ID: 'cust-ana', AFORO_EMAIL: 'ana@acme.test' }), encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const bridgeToken = run.stdout.trim();
    spentToken = bridgeToken;
    // The Python snippet, run as it is pasted, prints a token the exchange takes too (a second session of this key).
    writeFileSync(join(dir, 'mint.py'), pythonCode);
    const python = spawnSync(process.env.AFORO_TEST_PYTHON ?? '/usr/bin/python3', [join(dir, 'mint.py')], {
      env: cleanEnv({ AFORO_SECRET: copied, AFORO_EXTERNAL_CUSTOMER_ID: 'cust-py' }), encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(python.status, 0, python.stderr);
    const fromPython = await call(world, 'POST', '/v1/embed/auth/bridge', { body: { bridgeToken: python.stdout.trim() }, headers: { 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey } });
    assert.equal(fromPython.status, 200, JSON.stringify(fromPython.body));
    const exchanged = await call(world, 'POST', '/v1/embed/auth/bridge', { body: { bridgeToken }, headers: { 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey } });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const sessionJwt: string = exchanged.body.sessionJwt;

    // The checker explains the spent token.
    await go('checker');
    await page.fill('#check-token', bridgeToken);
    await page.click('main form button[type="submit"]');
    await page.locator('#check-code').filter({ hasText: 'bridge_token_replayed' }).waitFor();
    assert.match((await page.locator('#check-claims').textContent()) ?? '', /cust-ana/);

    // Rotate: a second key, promoted; the first revoked with its sessions.
    await go('signing-keys');
    const second = await mint('HS256');
    await storedIt();
    await page.click(`tr:has(code.kid:text-is("${second.kid}")) button.promote`);
    await notice().filter({ hasText: `${second.kid} is ACTIVE` }).waitFor();
    assert.equal(((await page.locator(`tr:has(code.kid:text-is("${first.kid}")) .badge`).textContent()) ?? '').trim(), 'RETIRING');
    assert.notEqual(((await page.locator(`tr:has(code.kid:text-is("${first.kid}")) td:nth-child(5)`).textContent()) ?? '').trim(), '—', 'its last session shows');
    await page.click(`tr:has(code.kid:text-is("${first.kid}")) button.revoke`);
    await page.check('#end-sessions');
    await page.click('#confirm-revoke');
    await notice().filter({ hasText: `${first.kid} revoked; 2 session(s) ended.` }).waitFor();
    const refused = await call(world, 'POST', '/v1/embed/auth/refresh', { body: {}, headers: { authorization: `Bearer ${sessionJwt}`, 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey } });
    assert.equal(refused.status, 401);

    // An offering with its live card, and the customer the exchange created.
    await go('offerings');
    await page.fill('#offering-id', 'pro');
    await page.fill('#offering-name', 'Pro');
    await page.fill('#offering-description', 'For growing teams');
    await page.selectOption('#offering-status', 'PUBLISHED');
    await page.fill('#plan-features', 'Unlimited invoices\nPriority support');
    assert.match((await page.locator('.pricing-card .price').textContent()) ?? '', /\$29\.00 \/ month/);
    await page.click('#put-offering button[type="submit"]');
    await notice().filter({ hasText: 'Offering pro saved.' }).waitFor();
    await go('customers');
    await page.fill('#customer-query', 'ana@acme.test');
    await page.click('main form button[type="submit"]');
    await page.locator('#customer-results code', { hasText: 'cust-ana' }).waitFor();
    await page.click('#customer-results button');
    await page.locator('#customer-detail h2').waitFor();

    // Every step is in the audit log, and no secret is.
    await go('audit');
    await page.locator('#audit-rows .event-type').first().waitFor();
    const types = await page.locator('#audit-rows .event-type').allTextContents();
    for (const type of ['embed_key.created', 'signing_key.minted', 'signing_key.promoted', 'session.created', 'signing_key.revoked', 'session.revoked']) {
      assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    }
    await page.selectOption('#audit-type', 'signing_key.minted');
    await page.click('main form button[type="submit"]');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-rows .event-type')].every((e) => e.textContent === 'signing_key.minted'));
    assert.equal((await page.locator('#audit-rows .event-type').count()), 2);
    const auditDom = await renderedDom(page);
    for (const secret of secrets) assert.equal(auditDom.includes(secret), false, 'no secret on the audit page');
    assert.equal(auditDom.includes('ana@acme.test'), false, 'no plain email on the audit page');

    for (const secret of [...secrets, STUDIO_ADMIN_TOKEN]) assert.equal(world.logs.join('\n').includes(secret), false, 'nothing secret in the log');
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors.filter((m) => !/status of 4\d\d/.test(m)), []);
    assert.deepEqual(offOrigin, [], 'no request leaves the engine origin');
  });

  test('studio: screenshots of every page at 1280 px, light and dark', async (t) => {
    if (!browser || !page) return t.skip('the full run did not start a browser');
    mkdirSync(SHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const id of PAGES) {
        await go(id);
        if (id === 'customers') {
          await page.fill('#customer-query', 'cust-ana');
          await page.click('main form button[type="submit"]');
          await page.locator('#customer-results button').first().click();
          await page.locator('#customer-detail h2').waitFor();
        }
        if (id === 'audit') await page.locator('#audit-rows table, #audit-rows .empty').first().waitFor();
        if (id === 'checker') {
          await page.fill('#check-token', spentToken);
          await page.click('main form button[type="submit"]');
          await page.locator('#check-code').waitFor();
        }
        await page.screenshot({ path: join(SHOTS, `${id}-${scheme}.png`), fullPage: true });
      }
    }
    await page.click('#sign-out');
    await page.locator('#admin-token').waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(SHOTS, `sign-in-${scheme}.png`) });
    }
    const after = await page.evaluate(async () => (await fetch(`${location.pathname}/session`)).status);
    assert.equal(after, 401, 'signed out on the server');
  });
});
