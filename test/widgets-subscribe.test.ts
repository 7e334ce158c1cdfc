// The subscribe button in Chromium against the real engine (stored form: checkout subscribes at once).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ANA, BO, TENANT, chromiumPages, cspViolations, recordedEvents, screenshot, startWidgetWorld, type WidgetWorld } from './helpers/browser.js';

describe('subscribe button in Chromium under a strict CSP', () => {
  let world: WidgetWorld;
  const pages = chromiumPages();

  before(async () => {
    world = await startWidgetWorld();
  });
  after(async () => {
    await pages.close();
    await world.close();
  });

  const button = (page: import('playwright-core').Page, id: string) => page.locator(`#${id} button.cta`);

  test('redirect mode: "Subscribe", and a double click starts one checkout, which leaves one subscription and a disabled "Subscribed"', async (t) => {
    const opened = await pages.open(t, { locale: 'en-US', timezoneId: 'UTC' });
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
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
    const opened = await pages.open(t, { locale: 'en-US', timezoneId: 'UTC' });
    if (!opened) return;
    const { context, page } = opened;
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
    await world.bridge.api.admin.putSubscription(TENANT, BO.externalId, 'sub_bo_pro', {
      offeringId: 'pro', ratePlanId: 'pro-month', status: 'ACTIVE', currentPeriodStart: '2026-01-01T00:00:00Z', currentPeriodEnd: '2036-01-01T00:00:00Z',
    });
    const opened = await pages.open(t, { locale: 'en-US', timezoneId: 'UTC', viewport: { width: 390, height: 800 } });
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('subscribe', { customer: BO.externalId }));
    await page.waitForFunction(() => document.querySelector('#event')?.shadowRoot?.querySelector('button.cta')?.textContent === 'Subscribed');
    assert.equal(await button(page, 'event').isDisabled(), true);
    await screenshot(page, 'subscribe-button-subscribed-390');
    await page.waitForFunction(() => document.querySelector('#redirect')?.shadowRoot?.querySelector('button.cta:not([disabled])') !== null);
    assert.equal(await button(page, 'redirect').textContent(), 'Subscribe');
    await context.close();
  });

  test('magic-link mode: signed out it is disabled with "Sign in to subscribe."; a sign-in elsewhere on the page enables it, a sign-out disables it again', async (t) => {
    for (const [theme, width] of [['light', 1280], ['dark', 390]] as const) {
      const opened = await pages.open(t, { locale: 'en-US', timezoneId: 'UTC', colorScheme: theme, viewport: { width, height: 800 } });
      if (!opened) return;
      const { context, page, consoleErrors } = opened;
      await page.goto(world.pageUrl('subscribe-magic', { theme }));
      const subscribe = button(page, 'subscribe');
      await page.locator('#subscribe p.status', { hasText: 'Sign in to subscribe.' }).waitFor();
      assert.equal(await subscribe.isDisabled(), true);
      await screenshot(page, `subscribe-button-signed-out-${theme}-${width}`);
      if (theme === 'dark') {
        await context.close();
        continue;
      }
      const input = page.locator('#invoices input[type="email"]');
      await input.fill(ANA.email);
      await page.locator('#invoices button[type="submit"]').click();
      const mail = await world.mailbox.next(ANA.email);
      const link = /https?:\/\/[^\s"<>]+aforo_magic_token=[^\s"<>]+/.exec(mail.text ?? '')?.[0];
      assert.ok(link, 'the mail carries the link');
      await page.goto(link);
      await page.waitForFunction(() => document.querySelector('#subscribe')?.shadowRoot?.querySelector('button.cta:not([disabled])') !== null);
      assert.equal(await subscribe.textContent(), 'Subscribe');
      assert.equal(await page.locator('#subscribe p.status').textContent(), '');
      await page.locator('#invoices button.link', { hasText: 'Sign out' }).click();
      await page.locator('#subscribe p.status', { hasText: 'Sign in to subscribe.' }).waitFor();
      assert.equal(await subscribe.isDisabled(), true);
      const types = (await recordedEvents(page)).filter((e) => !e.onWindow && e.type.startsWith('aforo.subscribe-button.')).map((e) => e.type);
      // `signed-in` only when the link was redeemed after the button first looked; `ready` and `signed-out` always.
      for (const expected of ['ready', 'signed-out']) assert.ok(types.includes(`aforo.subscribe-button.${expected}`), expected);
      assert.deepEqual(await cspViolations(page), []);
      assert.deepEqual(consoleErrors, []);
      await context.close();
    }
  });

  test('a checkout the billing system refuses: "Subscribing is unavailable right now.", an error event, and the button can be tried again', async (t) => {
    const logged: string[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (obj: object) => void logged.push(JSON.stringify(obj)) };
    const failing = await startWidgetWorld({ engine: { logger, dataSource: { startCheckout: async () => { throw new Error('billing is down'); } } } });
    try {
      const opened = await pages.open(t);
      if (!opened) return;
      const { context, page } = opened;
      await page.goto(failing.pageUrl('subscribe'));
      await page.waitForFunction(() => document.querySelector('#redirect')?.shadowRoot?.querySelector('button.cta:not([disabled])') !== null);
      await button(page, 'redirect').click();
      await page.locator('#redirect p.status', { hasText: 'Subscribing is unavailable right now.' }).waitFor();
      assert.equal(await button(page, 'redirect').isDisabled(), false, 'it may be tried again');
      const errors = (await recordedEvents(page)).filter((e) => e.type === 'aforo.subscribe-button.error' && !e.onWindow).map((e) => JSON.parse(e.detail));
      assert.deepEqual(errors, [{ code: 'upstream_failed' }]);
      assert.equal(failing.calls('/checkout').at(-1)?.status, 502);
      assert.ok(logged.some((line) => line.includes('dataSource.startCheckout')), 'the cause is logged for the operator');
      await screenshot(page, 'subscribe-button-error');
      await context.close();
    } finally {
      await failing.close();
    }
  });
});
