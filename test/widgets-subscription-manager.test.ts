// The subscription manager in Chromium against the real engine: the stored form (admin API), and hooks that fail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContextOptions, Page } from 'playwright-core';
import type { SubscriptionData } from '../lib/config.js';
import { ANA, BO, CY, DEE, TENANT, chromiumPages, cspViolations, recordedEvents, screenshot, startWidgetWorld, type WidgetWorld } from './helpers/browser.js';
import { lowContrast, overflow } from './helpers/contrast.js';

const US: BrowserContextOptions = { locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } };
const item = (page: Page, id: string) => page.locator(`#subs li.sm-item[data-subscription-id="${id}"]`);
const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
const widgetEvents = async (page: Page, name: string) =>
  (await recordedEvents(page)).filter((e) => e.type === `aforo.subscription-manager.${name}` && !e.onWindow).map((e) => JSON.parse(e.detail) as Record<string, unknown>);
// A failed fetch (the 502 this file provokes on purpose) is a console error of the browser's own, not of the widget.
const widgetErrors = (errors: string[]) => errors.filter((e) => !e.startsWith('Failed to load resource'));

async function seed(world: WidgetWorld): Promise<void> {
  const put = (who: { externalId: string }, id: string, body: Record<string, unknown>) =>
    world.bridge.api.admin.putSubscription(TENANT, who.externalId, id, { currentPeriodStart: '2026-01-01T00:00:00Z', ...body });
  await put(ANA, 'sub_ana_starter', { offeringId: 'starter', ratePlanId: 'starter-month', status: 'ACTIVE', currentPeriodEnd: '2030-03-01T00:00:00Z' });
  await put(ANA, 'sub_ana_pro', { offeringId: 'pro', ratePlanId: 'pro-month', status: 'TRIALING', currentPeriodEnd: '2030-02-15T00:00:00Z' });
  await put(ANA, 'sub_ana_old', { offeringId: 'starter', ratePlanId: 'starter-year', status: 'CANCELED', currentPeriodStart: '2024-12-31T00:00:00Z', currentPeriodEnd: '2025-12-31T00:00:00Z' });
  await put(BO, 'sub_bo_pro', { offeringId: 'pro', ratePlanId: 'pro-month', status: 'PAST_DUE', cancelAtPeriodEnd: true, currentPeriodEnd: '2030-04-30T00:00:00Z' });
  await put(DEE, 'sub_dee_starter', { offeringId: 'starter', ratePlanId: 'starter-month', status: 'ACTIVE', currentPeriodEnd: '2030-05-01T00:00:00Z' });
  await put(DEE, 'sub_dee_pro', { offeringId: 'pro', ratePlanId: 'pro-month', status: 'ACTIVE', cancelAtPeriodEnd: true, currentPeriodEnd: '2030-05-20T00:00:00Z' });
}

const audited = async (world: WidgetWorld, type: string, subscriptionId: string) =>
  (await world.bridge.api.admin.listAudit(TENANT, { type })).events.filter((e) => (e as Record<string, unknown>).subscriptionId === subscriptionId);

describe('subscription manager in Chromium under a strict CSP', () => {
  let world: WidgetWorld;
  const pages = chromiumPages();

  before(async () => {
    world = await startWidgetWorld();
    await seed(world);
  });
  after(async () => {
    await pages.close();
    await world.close();
  });

  test('loading, then every subscription of the customer with its status, price and next date; the filter narrows them', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('subscriptions'));
    await item(page, 'sub_ana_starter').waitFor();
    // Running subscriptions first, the next date first; the ended one last.
    assert.deepEqual(await texts(page, '#subs h3'), ['Pro', 'Starter', 'Starter']);
    assert.deepEqual(await texts(page, '#subs .sm-top .pill'), ['Trial', 'Active', 'Canceled']);
    assert.deepEqual(await texts(page, '#subs .sm-meta'), [
      'Monthly€29.00 / monthTrial ends on Feb 15, 2030', 'Monthly$9.00 / monthRenews on Mar 1, 2030', 'Yearly$90.00 / yearEnded on Dec 31, 2025',
    ]);
    assert.deepEqual(await item(page, 'sub_ana_starter').locator('button').allTextContents(), ['Change plan', 'Cancel']);
    // Pro has no other plan to change to; a canceled subscription has no action at all.
    assert.deepEqual(await item(page, 'sub_ana_pro').locator('button').allTextContents(), ['Cancel']);
    assert.equal(await item(page, 'sub_ana_old').locator('button').count(), 0);
    // Ana's three and nothing of Bo's or Dee's.
    const ids = await page.locator('#subs li.sm-item').evaluateAll((items) => items.map((li) => li.getAttribute('data-subscription-id')));
    assert.deepEqual(ids, ['sub_ana_pro', 'sub_ana_starter', 'sub_ana_old']);
    assert.deepEqual(await widgetEvents(page, 'ready'), [{ subscriptions: 3 }]);
    assert.deepEqual(await widgetEvents(page, 'signed-in'), [{}]);
    assert.deepEqual(await texts(page, '#subs .chips button[aria-pressed="true"]'), ['All']);
    await screenshot(page, 'subscription-manager-ana-1280');

    await page.locator('#subs .chips button', { hasText: 'Active' }).click();
    assert.deepEqual(await texts(page, '#subs h3'), ['Pro', 'Starter']);
    await page.locator('#subs .chips button', { hasText: 'Canceled' }).click();
    assert.deepEqual(await texts(page, '#subs h3'), ['Starter']);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('change plan: pick Yearly, confirm (a double click sends one request), the card and the stored subscription show the new plan', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('subscriptions'));
    const starter = item(page, 'sub_ana_starter');
    await starter.locator('button', { hasText: 'Change plan' }).click();
    assert.equal(await starter.locator('legend').textContent(), 'Choose a new plan for Starter');
    // Only the offering's other recurring PUBLISHED plans are offered; the radio has focus, "Confirm" waits for a pick.
    assert.deepEqual(await starter.locator('label.sm-option').allTextContents(), ['Yearly$90.00 / year']);
    assert.equal(await starter.locator('input[type="radio"]').evaluate((input) => input === (input.getRootNode() as ShadowRoot).activeElement), true);
    const confirm = starter.locator('button', { hasText: 'Confirm change' });
    assert.equal(await confirm.isDisabled(), true);
    await starter.locator('label.sm-option').click();
    await confirm.dblclick();
    await starter.locator('.status', { hasText: 'Starter is now on the Yearly plan.' }).waitFor();
    assert.equal(world.calls('/subscriptions/sub_ana_starter/change-plan').length, 1, 'one request for a double click');
    assert.equal(await starter.locator('.sm-meta').textContent(), 'Yearly$90.00 / yearRenews on Mar 1, 2030');
    const stored = (await world.bridge.api.admin.listCustomerSubscriptions(TENANT, ANA.externalId)).subscriptions.find((s) => s.id === 'sub_ana_starter');
    assert.deepEqual([stored?.ratePlanId, stored?.amountCents, stored?.interval], ['starter-year', 9000, 'year']);
    assert.deepEqual(await widgetEvents(page, 'plan_changed'), [{ subscriptionId: 'sub_ana_starter', ratePlanId: 'starter-year' }]);
    assert.equal((await audited(world, 'subscription.plan_changed', 'sub_ana_starter')).length, 1);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('cancel at period end: a confirmation that "Keep subscription" leaves, then one request for a double click, an announcement and an audit event', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('subscriptions'));
    const starter = item(page, 'sub_ana_starter');
    await starter.locator('button', { hasText: 'Cancel' }).click();
    assert.equal(await starter.locator('.confirm p').textContent(), 'Cancel Starter? It stays active until Mar 1, 2030, then ends. You can resume it until then.');
    // Focus starts on the button that changes nothing; Escape leaves as "Keep subscription" does.
    const focused = () => page.locator('#subs').evaluate((host) => host.shadowRoot?.activeElement?.textContent);
    assert.equal(await focused(), 'Keep subscription');
    await page.keyboard.press('Escape');
    assert.equal(await starter.locator('.confirm').count(), 0);
    assert.equal(await focused(), 'Cancel');
    await starter.locator('button', { hasText: 'Cancel' }).click();
    await starter.locator('button', { hasText: 'Keep subscription' }).click();
    assert.equal(await starter.locator('.confirm').count(), 0);
    assert.equal(world.calls('/subscriptions/sub_ana_starter/cancel').length, 0);

    await starter.locator('button', { hasText: 'Cancel' }).click();
    await screenshot(page, 'subscription-manager-confirm-cancel-1280');
    await starter.locator('button', { hasText: 'Yes, cancel' }).dblclick();
    await starter.locator('.status', { hasText: 'Starter will end on Mar 1, 2030.' }).waitFor();
    assert.equal(world.calls('/subscriptions/sub_ana_starter/cancel').length, 1, 'one request for a double click');
    assert.deepEqual(await starter.locator('.pill').allTextContents(), ['Active', 'Cancels at period end']);
    assert.match((await starter.locator('.sm-meta').textContent()) ?? '', /Ends on Mar 1, 2030$/);
    assert.deepEqual(await starter.locator('button').allTextContents(), ['Resume']);
    const stored = (await world.bridge.api.admin.listCustomerSubscriptions(TENANT, ANA.externalId)).subscriptions.find((s) => s.id === 'sub_ana_starter');
    assert.equal(stored?.cancelAtPeriodEnd, true);
    assert.equal(stored?.status, 'ACTIVE');
    assert.deepEqual(await widgetEvents(page, 'canceled'), [{ subscriptionId: 'sub_ana_starter' }]);
    assert.equal((await audited(world, 'subscription.canceled', 'sub_ana_starter')).length, 1);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('resume: another customer sees only their own subscription, set to cancel, and resumes it with one click', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('subscriptions', { customer: BO.externalId }));
    const pro = item(page, 'sub_bo_pro');
    await pro.waitFor();
    assert.equal(await page.locator('#subs li.sm-item').count(), 1);
    assert.deepEqual(await pro.locator('.pill').allTextContents(), ['Past due', 'Cancels at period end']);
    await pro.locator('button', { hasText: 'Resume' }).dblclick();
    await pro.locator('.status', { hasText: 'Pro will renew on Apr 30, 2030.' }).waitFor();
    assert.equal(world.calls('/subscriptions/sub_bo_pro/resume').length, 1);
    assert.deepEqual(await pro.locator('.pill').allTextContents(), ['Past due']);
    assert.deepEqual(await pro.locator('button').allTextContents(), ['Cancel']);
    const stored = (await world.bridge.api.admin.listCustomerSubscriptions(TENANT, BO.externalId)).subscriptions[0];
    assert.equal(stored.cancelAtPeriodEnd, false);
    assert.deepEqual(await widgetEvents(page, 'resumed'), [{ subscriptionId: 'sub_bo_pro' }]);
    assert.equal((await audited(world, 'subscription.resumed', 'sub_bo_pro')).length, 1);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('a customer without subscriptions reads the empty state; after the portal signs out, the sign-in line', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('subscriptions', { customer: CY.externalId }));
    await page.locator('#subs p.status', { hasText: 'You have no subscriptions.' }).waitFor();
    assert.equal(await page.locator('#subs li.sm-item').count(), 0);
    assert.equal(await page.locator('#subs .chips').isHidden(), true, 'nothing to filter');
    assert.deepEqual(await widgetEvents(page, 'ready'), [{ subscriptions: 0 }]);
    await page.evaluate(() => (window as unknown as { AforoSession: { destroy(): Promise<void> } }).AforoSession.destroy());
    await page.locator('#subs p.status', { hasText: 'Sign in to see your subscriptions.' }).waitFor();
    assert.equal(await page.locator('#subs .chips').count(), 0);
    assert.deepEqual(await widgetEvents(page, 'signed-out'), [{}]);
    await context.close();
  });

  test('magic-link mode, signed out: the email form that speaks of subscriptions; an unknown default status warns and shows active ones', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page, consoleWarnings, consoleErrors } = opened;
    await page.goto(world.pageUrl('subscriptions-magic'));
    await page.locator('#subs input[type="email"]').waitFor();
    assert.equal(await page.locator('#subs p.status').first().textContent(), 'Sign in with your email to see your subscriptions.');
    assert.equal(await page.locator('#subs button[type="submit"]').textContent(), 'Email me a sign-in link');
    assert.equal(await page.locator('#subs li.sm-item').count(), 0);
    assert.ok(consoleWarnings.some((m) => m === '[aforo] subscription-manager: data-aforo-default-status "paused" is not all, active or canceled; using active'), consoleWarnings.join('\n'));
    await screenshot(page, 'subscription-manager-magic-link-1280');
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('German, French and Spanish: the copy, the amounts and the dates of the widget locale', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('subscriptions-locales', { customer: DEE.externalId }));
    const expected = {
      de: ['Abonnements', ['Aktiv', 'Aktiv', 'Endet zum Periodenende'], '9,00 $ / MonatVerlängert sich am 01.05.2030', ['Tarif wechseln', 'Kündigen']],
      fr: ['Abonnements', ['Actif', 'Actif', 'Prend fin à l’échéance'], '9,00 $US / moisRenouvelé le 1 mai 2030', ['Changer d’offre', 'Résilier']],
      es: ['Suscripciones', ['Activa', 'Activa', 'Se cancela al final del periodo'], '9,00 US$ / mesSe renueva el 1 may 2030', ['Cambiar plan', 'Cancelar']],
    } as const;
    for (const [id, [title, pills, meta, buttons]] of Object.entries(expected)) {
      const starter = page.locator(`#${id} li.sm-item[data-subscription-id="sub_dee_starter"]`);
      await starter.waitFor();
      assert.equal(await page.locator(`#${id} h2`).textContent(), title);
      assert.deepEqual(await page.locator(`#${id} .pill`).allTextContents(), pills);
      // The plan keeps the tenant's name ("Monthly"); the widget translates its own words and formats with Intl.
      assert.equal((await starter.locator('.sm-meta').textContent())?.replace(/\u00a0|\u202f/g, ' '), `Monthly${meta}`);
      assert.deepEqual(await starter.locator('button').allTextContents(), buttons);
    }
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    for (const width of [1280, 390]) {
      test(`${theme}, ${width} px: no horizontal overflow and contrast >= 4.5:1, in the list and on the change-plan step`, async (t) => {
        const opened = await pages.open(t, { ...US, viewport: { width, height: 900 } });
        if (!opened) return;
        const { context, page, consoleErrors } = opened;
        await page.goto(world.pageUrl('subscriptions', { customer: DEE.externalId, theme }));
        const starter = item(page, 'sub_dee_starter');
        await starter.waitFor();
        const background = await page.locator('#subs').evaluate((host) => getComputedStyle(host.shadowRoot?.querySelector('.w') as Element).backgroundColor);
        assert.equal(background, theme === 'dark' ? 'rgb(17, 24, 39)' : 'rgb(255, 255, 255)');
        const check = async (): Promise<void> => {
          for (const measured of await overflow(page, ['#subs'])) {
            assert.ok(measured.scrollWidth <= measured.clientWidth, `${measured.where} overflows: ${measured.scrollWidth} > ${measured.clientWidth}`);
          }
          assert.deepEqual(await lowContrast(page, '#subs'), []);
        };
        await check();
        await screenshot(page, `subscription-manager-${theme}-${width}`);
        await starter.locator('button', { hasText: 'Change plan' }).click();
        await starter.locator('label.sm-option').click();
        await check();
        await screenshot(page, `subscription-manager-change-plan-${theme}-${width}`);
        // Keyboard: Tab from the radio reaches "Confirm change".
        await starter.locator('input[type="radio"]').focus();
        await page.keyboard.press('Tab');
        assert.equal(await page.locator('#subs').evaluate((host) => host.shadowRoot?.activeElement?.textContent), 'Confirm change');
        await starter.locator('button', { hasText: 'Back' }).click();
        assert.equal(await starter.locator('.confirm').count(), 0);
        assert.equal(await page.locator('#subs').evaluate((host) => host.shadowRoot?.activeElement?.textContent), 'Change plan');
        assert.deepEqual(await cspViolations(page), []);
        assert.deepEqual(consoleErrors, []);
        await context.close();
      });
    }
  }
});

describe('subscription manager when the billing system fails', () => {
  let world: WidgetWorld;
  const pages = chromiumPages();
  let listing = 'fail';
  const subscription: SubscriptionData = {
    id: 'sub_hook_1', offeringId: 'pro', ratePlanId: 'pro-month', status: 'ACTIVE', amountCents: 2900, currency: 'EUR', interval: 'month',
    currentPeriodStart: '2026-01-01T00:00:00Z', currentPeriodEnd: '2030-06-01T00:00:00Z', cancelAtPeriodEnd: false,
  };

  before(async () => {
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    world = await startWidgetWorld({
      engine: {
        logger: quiet,
        dataSource: {
          listSubscriptions: async () => {
            if (listing === 'fail') throw new Error('billing system down');
            return [subscription];
          },
          cancelSubscription: async () => {
            throw new Error('billing system down');
          },
        },
      },
    });
  });
  after(async () => {
    await pages.close();
    await world.close();
  });

  test('a failed load says so with "Try again", which loads the list; a failed cancel says so on the card and can be tried again', async (t) => {
    const opened = await pages.open(t, US);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('subscriptions'));
    await page.locator('#subs p.status.error', { hasText: 'Subscriptions could not be loaded.' }).waitFor();
    assert.deepEqual(await widgetEvents(page, 'error'), [{ code: 'upstream_failed' }]);
    assert.equal(await page.locator('#subs .chips').isHidden(), true);
    await screenshot(page, 'subscription-manager-error-1280');
    listing = 'ok';
    await page.locator('#subs button.retry').click();
    const card = item(page, 'sub_hook_1');
    await card.waitFor();
    assert.equal(await page.locator('#subs button.retry').isHidden(), true);
    assert.equal(await page.locator('#subs section.w > p.status').textContent(), '');

    await card.locator('button', { hasText: 'Cancel' }).click();
    await card.locator('button', { hasText: 'Yes, cancel' }).click();
    await card.locator('.status.error', { hasText: 'That did not go through. Try again.' }).waitFor();
    assert.equal(await card.locator('button', { hasText: 'Yes, cancel' }).isEnabled(), true);
    assert.deepEqual((await widgetEvents(page, 'error')).map((e) => e.code), ['upstream_failed', 'upstream_failed']);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(widgetErrors(consoleErrors), []);
    await context.close();
  });
});
