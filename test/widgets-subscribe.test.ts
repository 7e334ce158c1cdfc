// The subscribe button in Chromium against the real engine (stored form: checkout subscribes at once).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { BO, TENANT, cspViolations, launchChromium, recordPage, recordedEvents, screenshot, startWidgetWorld, type WidgetWorld } from './helpers/browser.js';

describe('subscribe button in Chromium under a strict CSP', () => {
  let world: WidgetWorld;
  let browser: Browser | null = null;

  before(async () => {
    world = await startWidgetWorld();
  });
  after(async () => {
    await browser?.close();
    await world.close();
  });

  const button = (page: import('playwright-core').Page, id: string) => page.locator(`#${id} button.cta`);

  test('redirect mode: "Subscribe", and a double click starts one checkout, which leaves one subscription and a disabled "Subscribed"', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    const { consoleErrors } = await recordPage(page);
    await page.goto(world.pageUrl('subscribe'));
    const subscribe = button(page, 'redirect');
    await page.waitForFunction(() => document.querySelector('#redirect')?.shadowRoot?.querySelector('button.cta:not([disabled])') !== null);
    assert.equal(await subscribe.textContent(), 'Subscribe');
    await screenshot(page, 'subscribe-button');
    await subscribe.dblclick();
    await page.waitForFunction(() => document.querySelector('#redirect')?.shadowRoot?.querySelector('button.cta')?.textContent === 'Subscribed');
    assert.equal(await subscribe.isDisabled(), true);
    assert.equal(world.calls('/checkout').length, 1, 'one checkout for a double click');
    const customer = await world.bridge.api.admin.listCustomerSubscriptions(TENANT, 'cust-ana');
    assert.deepEqual(customer.subscriptions.map((s) => [s.offeringId, s.ratePlanId, s.status]), [['starter', 'starter-month', 'ACTIVE']]);
    const events = (await recordedEvents(page)).filter((e) => e.type === 'aforo.subscribe-button.subscribed' && !e.onWindow);
    assert.equal(events.length, 1);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('event mode: a click only emits checkout_requested with the plan, and starts no checkout', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await recordPage(page);
    const before = world.calls('/checkout').length;
    await page.goto(world.pageUrl('subscribe', { theme: 'dark' }));
    await page.waitForFunction(() => document.querySelector('#event')?.shadowRoot?.querySelector('button.cta:not([disabled])') !== null);
    await button(page, 'event').click();
    const requested = (await recordedEvents(page)).filter((e) => e.type === 'aforo.subscribe-button.checkout_requested' && !e.onWindow);
    assert.equal(requested.length, 1);
    assert.deepEqual(JSON.parse(requested[0].detail), { offeringId: 'pro', ratePlanId: 'pro-month', priceCents: 2900, currency: 'EUR', interval: 'month' });
    assert.equal(world.calls('/checkout').length, before);
    await context.close();
  });

  test('a customer who already has the plan sees a disabled "Subscribed"', async (t) => {
    browser ??= await launchChromium(t);
    if (!browser) return;
    await world.bridge.api.admin.putSubscription(TENANT, BO.externalId, 'sub_bo_pro', {
      offeringId: 'pro', ratePlanId: 'pro-month', status: 'ACTIVE', currentPeriodStart: '2026-01-01T00:00:00Z', currentPeriodEnd: '2036-01-01T00:00:00Z',
    });
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await recordPage(page);
    await page.goto(world.pageUrl('subscribe', { customer: BO.externalId }));
    await page.waitForFunction(() => document.querySelector('#event')?.shadowRoot?.querySelector('button.cta')?.textContent === 'Subscribed');
    assert.equal(await button(page, 'event').isDisabled(), true);
    await page.waitForFunction(() => document.querySelector('#redirect')?.shadowRoot?.querySelector('button.cta:not([disabled])') !== null);
    assert.equal(await button(page, 'redirect').textContent(), 'Subscribe');
    await context.close();
  });
});
