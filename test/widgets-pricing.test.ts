import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  PRIMARY, TENANT, cspViolations, pageCsp as pageCspFor, launchChromium, recordPage, recordedEvents, screenshot, startWidgetWorld, type WidgetWorld,
} from './helpers/browser.js';

describe('pricing card in Chromium under a strict CSP', () => {
  let world: WidgetWorld;
  let browser: Browser | null = null;

  before(async () => {
    world = await startWidgetWorld();
  });
  after(async () => {
    await browser?.close();
    await world.close();
  });

  test('anonymous: only PUBLISHED offerings render, with prices, layout, featured offering and tenant colour', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    const { consoleErrors } = await recordPage(page);
    const response = await page.goto(world.pageUrl('pricing'));
    assert.equal(response?.headers()['content-security-policy'], world.csp);

    const horizontal = page.locator('#horizontal');
    await horizontal.locator('ul.offerings > li').first().waitFor();
    const ids = await horizontal.locator('ul.offerings > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-offering-id')));
    assert.deepEqual(ids, ['starter', 'pro'], 'the tenant\'s order (position), not the names\'');
    const text = await horizontal.evaluate((host) => host.shadowRoot?.textContent ?? '');
    assert.doesNotMatch(text, /Legacy|Secret beta/);
    // One price per card for the chosen interval: monthly first.
    const prices = () => horizontal.locator('ul.offerings > li .price').allTextContents();
    assert.deepEqual(await prices(), ['$9.00 / month', '€29.00 / month']);
    assert.doesNotMatch(text, /\$90\.00/);

    assert.equal(await horizontal.locator('li.featured').getAttribute('data-offering-id'), 'pro');
    assert.equal(await horizontal.locator('li.featured .badge').textContent(), 'Most popular');
    assert.equal(await page.locator('#vertical li.featured').count(), 0);
    assert.equal(await horizontal.locator('ul.offerings').evaluate((ul) => getComputedStyle(ul).flexDirection), 'row');
    assert.equal(await page.locator('#vertical ul.offerings').evaluate((ul) => getComputedStyle(ul).flexDirection), 'column');

    // The stylesheet is a constructed one and the colour a custom property set through CSSOM: both pass the CSP.
    const cta = horizontal.locator('button.cta').first();
    assert.equal(await cta.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(15, 118, 110)');
    assert.equal(await horizontal.evaluate((host) => host.style.getPropertyValue('--aforo-brand')), PRIMARY);
    assert.equal(await horizontal.evaluate((host) => host.getAttribute('style')?.includes('--aforo-brand')), true);
    // Equal-height cards with the button at the bottom.
    const boxes = await horizontal.locator('ul.offerings > li').evaluateAll((items) => items.map((li) => li.getBoundingClientRect().height));
    assert.equal(boxes[0], boxes[1]);
    const bottoms = await horizontal.locator('.cta').evaluateAll((items) => items.map((b) => Math.round(b.getBoundingClientRect().bottom)));
    assert.equal(bottoms[0], bottoms[1]);
    assert.equal(await horizontal.evaluate((host) => host.shadowRoot?.adoptedStyleSheets.length), 1);
    assert.equal(await horizontal.evaluate((host) => host.shadowRoot?.querySelectorAll('style,[style]').length), 0);

    // Semantics: list of offerings, headings, a polite live region, labelled buttons.
    assert.equal(await horizontal.locator('h3').count(), 2);
    assert.equal(await horizontal.locator('[role="status"][aria-live="polite"]').count(), 1);
    assert.equal(await cta.getAttribute('aria-label'), 'Choose plan: Starter, Monthly');
    await screenshot(page, 'pricing-card');

    // The interval switch: yearly prices with the saving computed from the plans (9000 against 12 × 900: 17%);
    // an offering without a yearly plan keeps its monthly one.
    const yearly = horizontal.locator('.switch button', { hasText: 'Yearly' });
    assert.equal(await yearly.textContent(), 'YearlySave 17%');
    assert.equal(await page.locator('#vertical .switch').count(), 1);
    await yearly.click();
    assert.equal(await yearly.getAttribute('aria-pressed'), 'true');
    assert.deepEqual(await prices(), ['$90.00 / year', '€29.00 / month']);
    assert.equal(await horizontal.locator('li[data-offering-id="starter"] p.save').textContent(), 'Save 17%');
    assert.equal(await horizontal.locator('li[data-offering-id="starter"]').getAttribute('data-rate-plan-id'), 'starter-year');
    assert.equal(await horizontal.locator('button.cta').first().getAttribute('aria-label'), 'Choose plan: Starter, Yearly');
    const intervalEvents = (await recordedEvents(page)).filter((e) => e.type === 'aforo.pricing-card.interval');
    assert.deepEqual(JSON.parse(intervalEvents[0].detail), { interval: 'year' });
    await horizontal.locator('.switch button', { hasText: 'Monthly' }).click();
    assert.deepEqual(await prices(), ['$9.00 / month', '€29.00 / month']);

    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('keyboard: the CTA buttons are reachable with Tab and Enter emits a select event with ids only', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const { consoleWarnings } = await recordPage(page);
    await page.goto(world.pageUrl('pricing'));
    await page.locator('#horizontal button.cta').first().waitFor();
    // The interval switch (Monthly, Yearly) comes first, then the first card's button.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const host = document.activeElement;
      const inner = host?.shadowRoot?.activeElement;
      return { host: host?.id, label: inner?.getAttribute('aria-label'), cls: inner?.className };
    });
    assert.equal(focused.host, 'horizontal');
    assert.equal(focused.cls, 'cta');
    await page.keyboard.press('Enter');
    const events = await recordedEvents(page);
    const select = events.filter((e) => e.type === 'aforo.pricing-card.select');
    assert.equal(select.length, 2, 'on the element and on window');
    assert.deepEqual(select.map((e) => e.onWindow).sort(), [false, true]);
    const detail = JSON.parse(select[0].detail) as Record<string, string>;
    assert.deepEqual(detail, { offeringId: 'starter', ratePlanId: 'starter-month', interval: 'month' });
    assert.equal(events.filter((e) => e.type === 'aforo.pricing-card.ready').length, 4, 'two widgets, element and window');
    // Nobody handled the choice: the developer hears how to wire it, the visitor sees nothing broken.
    await page.waitForFunction(() => true);
    assert.ok(consoleWarnings.some((m) => m.startsWith('[aforo] pricing-card: a plan was chosen but nothing handled it') && m.includes('data-aforo-checkout-url')), consoleWarnings.join('\n'));
    assert.equal(await page.locator('#horizontal .error').count(), 0);
    await context.close();
  });

  test('checkout URL: each button is a link with the URL-encoded ids; an http template falls back to the event with a warning', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    // Ids that need encoding in a query.
    await world.bridge.api.admin.putOffering(TENANT, 'team & co', {
      name: 'Team', status: 'PUBLISHED', position: 3,
      ratePlans: [{ id: 'team/m+1', name: 'Monthly', currency: 'USD', amountCents: 4900, interval: 'month' }, { id: 'team y', name: 'Yearly', currency: 'USD', amountCents: 49000, interval: 'year' }],
    });
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const { consoleWarnings } = await recordPage(page);
    await page.goto(world.pageUrl('pricing-checkout'));
    const checkout = page.locator('#checkout');
    await checkout.locator('a.cta').first().waitFor();
    // data-aforo-interval="year" starts on yearly prices.
    assert.equal(await checkout.locator('.switch button[aria-pressed="true"]').getAttribute('data-interval'), 'year');
    const hrefs = await checkout.locator('a.cta').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs, [
      'https://portal.example.com/checkout?plan=starter-year&offering=starter&every=year',
      'https://portal.example.com/checkout?plan=pro-month&offering=pro&every=month',
      'https://portal.example.com/checkout?plan=team%20y&offering=team%20%26%20co&every=year',
    ]);
    assert.equal(await checkout.locator('a.cta').first().textContent(), 'Start now');
    assert.equal(await checkout.locator('li.featured').getAttribute('data-offering-id'), 'starter');
    assert.equal(await checkout.locator('li.featured .badge').textContent(), 'Best value');
    await checkout.locator('.switch button', { hasText: 'Monthly' }).click();
    assert.equal(await checkout.locator('a.cta').last().getAttribute('href'), 'https://portal.example.com/checkout?plan=team%2Fm%2B1&offering=team%20%26%20co&every=month');

    // A page that calls preventDefault() on the select event keeps the visitor here.
    await page.evaluate(() => window.addEventListener('aforo.pricing-card.select', (event) => event.preventDefault()));
    await checkout.locator('a.cta').first().click();
    assert.equal(page.url(), world.pageUrl('pricing-checkout'));
    const select = (await recordedEvents(page)).filter((e) => e.type === 'aforo.pricing-card.select');
    assert.deepEqual(JSON.parse(select[0].detail), { offeringId: 'starter', ratePlanId: 'starter-month', interval: 'month' });

    // http://shop.example.com is neither https nor loopback: no link, the event instead, and a warning naming the attribute.
    const insecure = page.locator('#insecure');
    await insecure.locator('button.cta').first().waitFor();
    assert.equal(await insecure.locator('a').count(), 0);
    assert.ok(consoleWarnings.some((m) => m.startsWith('[aforo] pricing-card: data-aforo-checkout-url "http://shop.example.com/') && m.includes('https')), consoleWarnings.join('\n'));
    await screenshot(page, 'pricing-checkout');
    assert.deepEqual(await cspViolations(page), []);
    await context.close();
    await world.bridge.api.admin.putOffering(TENANT, 'team & co', { name: 'Team', status: 'ARCHIVED', ratePlans: [] });
  });

  test('ordering follows position: moving Pro to position 0 puts it first', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const admin = world.bridge.api.admin;
    const { offerings } = await admin.listOfferings(TENANT);
    const pro = offerings.find((o) => o.id === 'pro');
    assert.ok(pro);
    await admin.putOffering(TENANT, 'pro', { name: pro.name, description: pro.description, status: pro.status, ratePlans: pro.ratePlans, position: 0 });
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await recordPage(page);
    await page.goto(world.pageUrl('pricing'));
    await page.locator('#horizontal ul.offerings > li').first().waitFor();
    const ids = await page.locator('#horizontal ul.offerings > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-offering-id')));
    assert.deepEqual(ids, ['pro', 'starter']);
    await admin.putOffering(TENANT, 'pro', { name: pro.name, description: pro.description, status: pro.status, ratePlans: pro.ratePlans, position: 2 });
    await context.close();
  });

  test('a page whose origin is not on the allowlist renders the error state', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const { consoleWarnings } = await recordPage(page);
    const before = world.calls('/config').length;
    await page.goto(world.foreignPageUrl('pricing'));
    const status = page.locator('#horizontal p.status.error');
    await status.waitFor();
    assert.equal(await status.textContent(), 'Pricing is unavailable right now.');
    assert.equal(await page.locator('#horizontal li').count(), 0);
    const refused = world.calls('/config').slice(before);
    assert.ok(refused.length >= 1);
    assert.ok(refused.every((r) => r.status === 403 && r.origin === new URL(world.foreignPageUrl('pricing')).origin));
    const errors = (await recordedEvents(page)).filter((e) => e.type === 'aforo.pricing-card.error');
    assert.ok(errors.length >= 2);
    // The developer gets one warning naming the page's origin and the fix.
    const foreign = new URL(world.foreignPageUrl('pricing')).origin;
    await page.waitForFunction(() => true);
    for (let i = 0; i < 50 && !consoleWarnings.length; i++) await page.waitForTimeout(20);
    const warned = consoleWarnings.filter((m) => m.startsWith('[aforo]'));
    assert.equal(warned.length, 1, warned.join('\n'));
    assert.match(warned[0], new RegExp(`most likely refused this page's origin ${foreign.replace(/[.]/g, '\\.')}`));
    assert.match(warned[0], /embed-keys allow/);
    await screenshot(page, 'pricing-card-error');
    await context.close();
  });

  test('the loader refuses to start on an http: page that is not localhost', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext();
    const page = await context.newPage();
    const { consoleErrors, consoleWarnings } = await recordPage(page);
    // The insecure page and its copy of the loader come from one made-up public host; Chromium's private-network
    // rules would otherwise stop a public page from loading a script off 127.0.0.1 before the loader could refuse.
    const fake = 'http://shop.acme.test';
    const html = (await (await fetch(world.pageUrl('pricing'))).text()).replaceAll(world.engineBase, `${fake}/aforo`);
    const loader = Buffer.from(await (await fetch(`${world.engineBase}/v1/embed/loader.js`)).arrayBuffer());
    await page.route(`${fake}/**`, (route) => {
      const isLoader = route.request().url() === `${fake}/aforo/v1/embed/loader.js`;
      return route.fulfill({
        status: 200,
        contentType: isLoader ? 'application/javascript' : 'text/html',
        headers: { 'content-security-policy': pageCspFor(fake) },
        body: isLoader ? loader : html,
      });
    });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${fake}/pricing.html`);
    await page.waitForFunction(() => document.readyState === 'complete');
    assert.ok(consoleWarnings.some((m) => m.startsWith('[aforo] the widgets refuse to run on an insecure http: page')), consoleWarnings.join('\n'));
    assert.deepEqual(consoleErrors, []);
    assert.equal(await page.evaluate(() => document.getElementById('horizontal')?.shadowRoot ?? null), null);
    assert.equal(await page.evaluate(() => 'AforoSession' in window), false);
    assert.deepEqual(requested.filter((url) => !url.endsWith('/favicon.ico')), [`${fake}/pricing.html`, `${fake}/aforo/v1/embed/loader.js`]);
    await context.close();
  });

  test('the content-hashed bundle listed in sri.json loads with its integrity hash and mounts the same widgets', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await recordPage(page);
    const response = page.waitForResponse((r) => r.url().includes('/v1/embed/widgets/aforo-widgets.'));
    await page.goto(world.pageUrl('pricing-sri'));
    const bundle = await response;
    assert.equal(bundle.headers()['cache-control'], 'public, max-age=31536000, immutable');
    await page.locator('#pinned ul.offerings > li').first().waitFor();
    assert.equal(await page.locator('#pinned ul.offerings > li').count(), 2);
    assert.deepEqual(await cspViolations(page), []);
    await context.close();
  });

  test('locales: data-aforo-locale picks en/es/fr/de copy and Intl formats amounts and dates for the full locale', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await recordPage(page);
    await page.goto(world.pageUrl('locales'));
    for (const id of ['#de', '#fr', '#es', '#nl']) await page.locator(`${id} ul.offerings > li`).first().waitFor();
    const card = (id: string) => page.locator(`${id} ul.offerings > li`).first();
    assert.equal((await card('#de').locator('.price').textContent())?.replace(/\s/g, ' '), '9,00 $ / Monat');
    assert.equal(await card('#de').locator('.cta').textContent(), 'Tarif wählen');
    assert.equal(await page.locator('#de .badge').textContent(), 'Am beliebtesten');
    assert.equal(await page.locator('#de .switch button').first().textContent(), 'Monatlich');
    assert.equal(await card('#fr').locator('.cta').textContent(), 'Choisir cette offre');
    assert.match((await card('#fr').locator('.price').textContent())?.replace(/\s/g, ' ') ?? '', /^9,00 \$US \/ mois$/);
    assert.equal(await card('#es').locator('.cta').textContent(), 'Elegir plan');
    // A language without copy falls back to English words, still with Dutch number formats.
    assert.equal(await card('#nl').locator('.cta').textContent(), 'Choose plan');
    assert.match((await card('#nl').locator('.price').textContent())?.replace(/\s/g, ' ') ?? '', /^(US\$|\$) 9,00 \/ month$/);

    const invoices = page.locator('#invoices');
    await invoices.locator('tbody tr').first().waitFor();
    assert.equal(await invoices.locator('h2').textContent(), 'Rechnungen');
    assert.equal(await invoices.locator('.account').textContent(), 'Angemeldet als Ana Lima');
    const first = invoices.locator('tbody tr').first();
    assert.equal(await first.locator('td.date').first().textContent(), '10.07.2026');
    assert.equal((await first.locator('td.num').textContent())?.replace(/\s/g, ' '), '70,50 $');
    assert.equal(await first.locator('a.pay').textContent(), 'Bezahlen');
    assert.equal(await invoices.locator('.page').textContent(), 'Seite 1');
    await invoices.locator('.chips button', { hasText: 'Storniert' }).click();
    await invoices.locator('.chips button', { hasText: 'Alle' }).waitFor();
    await screenshot(page, 'locales');
    await context.close();
  });

  test('locales: each language file is fetched once per page; a file that does not match the hash the loader carries is refused, and the widget shows English with a warning', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await recordPage(page);
    const before = world.requests.filter((r) => /\/widgets\/locale-/.test(r.path)).map((r) => r.path);
    await page.goto(world.pageUrl('locales'));
    await page.locator('#invoices tbody tr').first().waitFor();
    const fetched = world.requests.filter((r) => /\/widgets\/locale-/.test(r.path)).map((r) => r.path).slice(before.length);
    // German for two widgets, French and Spanish for one each; Dutch and English need no file.
    assert.deepEqual(fetched.map((path) => /locale-(\w+)\./.exec(path)?.[1]).sort(), ['de', 'es', 'fr']);
    await context.close();

    // The same page with the French file altered on its way: its SRI check fails, so nothing of it is used.
    const tampered = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const other = await tampered.newPage();
    const recorded = await recordPage(other);
    await other.route(/\/widgets\/locale-fr\.[0-9a-f]+\.json$/, async (route) => {
      const response = await route.fetch();
      const copy = (await response.json()) as Record<string, string>;
      await route.fulfill({ response, body: JSON.stringify({ ...copy, choose: 'Appelez le 555-0100 pour payer' }) });
    });
    await other.goto(world.pageUrl('locales'));
    await other.locator('#fr ul.offerings > li').first().waitFor();
    assert.equal(await other.locator('#fr ul.offerings > li .cta').first().textContent(), 'Choose plan');
    assert.equal(await other.locator('#de ul.offerings > li .cta').first().textContent(), 'Tarif wählen');
    assert.ok(recorded.consoleWarnings.some((w) => /the fr copy could not be loaded/.test(w)), recorded.consoleWarnings.join('\n'));
    await tampered.close();
  });

  test('with no PUBLISHED offering the card shows its empty state', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    for (const id of ['starter', 'pro']) {
      await world.bridge.api.admin.putOffering(TENANT, id, { name: id, status: 'ARCHIVED', ratePlans: [] });
    }
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await recordPage(page);
    await page.goto(world.pageUrl('pricing'));
    await page.locator('#horizontal p.status', { hasText: 'No plans are available yet.' }).waitFor();
    assert.equal(await page.locator('#horizontal li').count(), 0);
    const ready = (await recordedEvents(page)).filter((e) => e.type === 'aforo.pricing-card.ready');
    assert.deepEqual(JSON.parse(ready[0].detail), { offerings: 0 });
    await context.close();
  });
});
