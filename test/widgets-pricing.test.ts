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
    assert.deepEqual(ids.sort(), ['pro', 'starter']);
    const text = await horizontal.evaluate((host) => host.shadowRoot?.textContent ?? '');
    assert.doesNotMatch(text, /Legacy|Secret beta/);
    assert.match(text, /\$9\.00/);
    assert.match(text, /\$90\.00/);
    assert.match(text, /€29\.00/);
    assert.match(text, /\/ month/);
    assert.match(text, /\/ year/);

    assert.equal(await horizontal.locator('li.featured').getAttribute('data-offering-id'), 'pro');
    assert.equal(await horizontal.locator('li.featured .badge').textContent(), 'Featured');
    assert.equal(await page.locator('#vertical li.featured').count(), 0);
    assert.equal(await horizontal.locator('ul.offerings').evaluate((ul) => getComputedStyle(ul).flexDirection), 'row');
    assert.equal(await page.locator('#vertical ul.offerings').evaluate((ul) => getComputedStyle(ul).flexDirection), 'column');

    // The stylesheet is a constructed one and the colour a custom property set through CSSOM: both pass the CSP.
    const cta = horizontal.locator('button.cta').first();
    assert.equal(await cta.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(15, 118, 110)');
    assert.equal(await horizontal.evaluate((host) => host.style.getPropertyValue('--aforo-primary')), PRIMARY);
    assert.equal(await horizontal.evaluate((host) => host.getAttribute('style')?.includes('--aforo-primary')), true);
    assert.equal(await horizontal.evaluate((host) => host.shadowRoot?.adoptedStyleSheets.length), 1);
    assert.equal(await horizontal.evaluate((host) => host.shadowRoot?.querySelectorAll('style,[style]').length), 0);

    // Semantics: list of offerings, headings, a polite live region, labelled buttons.
    assert.equal(await horizontal.locator('h3').count(), 2);
    assert.equal(await horizontal.locator('[role="status"][aria-live="polite"]').count(), 1);
    assert.match((await cta.getAttribute('aria-label')) ?? '', /^Choose plan: (Starter|Pro), Monthly$/);
    await screenshot(page, 'pricing-card');

    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('keyboard: the CTA buttons are reachable with Tab and Enter emits a select event with ids only', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await recordPage(page);
    await page.goto(world.pageUrl('pricing'));
    await page.locator('#horizontal button.cta').first().waitFor();
    await page.keyboard.press('Tab');
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
    assert.ok(['starter', 'pro'].includes(detail.offeringId));
    assert.match(detail.ratePlanId, /-month$/);
    assert.equal(events.filter((e) => e.type === 'aforo.pricing-card.ready').length, 4, 'two widgets, element and window');
    await context.close();
  });

  test('a page whose origin is not on the allowlist renders the error state', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await recordPage(page);
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
    await screenshot(page, 'pricing-card-error');
    await context.close();
  });

  test('the loader refuses to start on an http: page that is not localhost', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext();
    const page = await context.newPage();
    const { consoleErrors } = await recordPage(page);
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
    assert.ok(consoleErrors.some((m) => /refuse to run on an insecure http: page/.test(m)), consoleErrors.join('\n'));
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
