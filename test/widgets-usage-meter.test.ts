// The usage meter in Chromium against the real engine: stored subscriptions and usage, and a world whose hooks fail.
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ANA, BO, TENANT, chromiumPages, cspViolations, recordedEvents, renderedDom, screenshot, startWidgetWorld, type WidgetWorld,
} from './helpers/browser.js';
import { lowContrast, overflow } from './helpers/contrast.js';
import { pollSeconds } from '../widgets/usage-meter.js';

const PERIOD = { currentPeriodStart: '2026-12-01T00:00:00Z', currentPeriodEnd: '2027-01-01T00:00:00Z' };
const USAGE_PATH = '/subscriptions/sub_ana_pro/usage';

async function seed(world: WidgetWorld): Promise<void> {
  const admin = world.bridge.api.admin;
  await admin.putSubscription(TENANT, ANA.externalId, 'sub_ana_pro', { offeringId: 'pro', ratePlanId: 'pro-month', status: 'ACTIVE', ...PERIOD });
  await admin.putSubscription(TENANT, ANA.externalId, 'sub_ana_starter', { offeringId: 'starter', ratePlanId: 'starter-month', status: 'ACTIVE', ...PERIOD });
  await admin.putSubscription(TENANT, BO.externalId, 'sub_bo_pro', { offeringId: 'pro', ratePlanId: 'pro-month', status: 'ACTIVE', ...PERIOD });
  await admin.putUsage(TENANT, ANA.externalId, 'sub_ana_pro', 'api-calls', { used: 1300, included: 1000, overageCents: 1500 });
  await admin.putUsage(TENANT, ANA.externalId, 'sub_ana_pro', 'seats', { used: 3, included: 5 });
  await admin.putUsage(TENANT, ANA.externalId, 'sub_ana_pro', 'storage-gb', { used: 42, included: null });
  await admin.putUsage(TENANT, BO.externalId, 'sub_bo_pro', 'bo-secret-feature', { used: 987654, included: 10, overageCents: 4242 });
}

/** What one meter shows, row by row. */
function meters(page: Page, selector: string): Promise<Array<{ feature: string; num: string; over: boolean; bar: { value: string; max: string; text: string } | null; overBy: string }>> {
  return page.locator(selector).evaluate((host) => [...(host.shadowRoot?.querySelectorAll('li.meter') ?? [])].map((li) => {
    const bar = li.querySelector('progress');
    return {
      feature: li.querySelector('.feature')?.textContent ?? '',
      num: li.querySelector('.num')?.textContent ?? '',
      over: li.classList.contains('over'),
      bar: bar && { value: bar.getAttribute('value') ?? '', max: bar.getAttribute('max') ?? '', text: bar.getAttribute('aria-valuetext') ?? '' },
      overBy: li.querySelector('.overby')?.textContent ?? '',
    };
  }));
}

const statusOf = (page: Page, selector: string): Promise<string> =>
  page.locator(selector).evaluate((host) => host.shadowRoot?.querySelector('.status')?.textContent ?? '');

/** Waits, in real time, until `check` holds: the page's own timers may be under a fake clock. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (const end = Date.now() + 5000; Date.now() < end;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('pollSeconds: absent, empty or 0 is 60; below 15 is 15; past a day is a day; not a number is 60', (t) => {
  const warned = t.mock.method(console, 'warn', () => undefined);
  const cases: Array<[string | null, number]> = [[null, 60], ['', 60], ['0', 60], ['15', 15], ['90', 90], ['5', 15], ['1e9', 86400], ['Infinity', 86400], ['-3', 60], ['soon', 60]];
  for (const [value, seconds] of cases) assert.equal(pollSeconds(value), seconds, String(value));
  // One warning for each value that was moved; none for the ones taken as they are.
  assert.equal(warned.mock.callCount(), 5);
});

describe('usage meter in Chromium under a strict CSP', () => {
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

  const open = (t: TestContext, options: { width?: number; dark?: boolean } = {}) =>
    pages.open(t, { locale: 'en-US', timezoneId: 'UTC', colorScheme: options.dark ? 'dark' : 'light', viewport: { width: options.width ?? 1280, height: 900 } });

  test('loading, then each feature against what is included, the overage in the subscription currency, and the period', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    // Hold the usage answer back so the loading state can be seen.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**${USAGE_PATH}`, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(world.pageUrl('usage'));
    await until(async () => (await statusOf(page, '#usage')) === 'Loading usage…', 'the loading state');
    release();
    await page.locator('#usage li.meter').first().waitFor();
    assert.deepEqual(await meters(page, '#usage'), [
      { feature: 'api-calls', num: '1,300 of 1,000', over: true, bar: { value: '1000', max: '1000', text: '1,300 of 1,000' }, overBy: '300 over · €15.00' },
      { feature: 'seats', num: '3 of 5', over: false, bar: { value: '3', max: '5', text: '3 of 5' }, overBy: '' },
      { feature: 'storage-gb', num: '42 used', over: false, bar: null, overBy: '' },
    ]);
    const text = (css: string) => page.locator(`#usage ${css}`).textContent();
    assert.equal(await text('.total'), 'Overage so far: €15.00');
    assert.equal(await text('.period'), 'Period: Dec 1, 2026 – Jan 1, 2027');
    assert.equal(await text('h2'), 'Usage');
    assert.equal(await statusOf(page, '#usage'), '');
    // A real progress bar: the browser exposes it as a progressbar with its value.
    const bar = page.locator('#usage progress').first();
    assert.equal(await bar.getAttribute('aria-label'), 'api-calls');

    const events = (await recordedEvents(page)).filter((e) => e.type.startsWith('aforo.usage-meter.') && !e.onWindow);
    const ready = events.filter((e) => e.type === 'aforo.usage-meter.ready');
    assert.ok(ready.some((e) => JSON.parse(e.detail).features === 3));
    assert.ok(events.some((e) => e.type === 'aforo.usage-meter.signed-in'));
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('a data-aforo-locale that is no locale tag ("x", "constructor", "__proto__") warns and renders in the browser\'s language, fetching no language file', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleErrors, consoleWarnings } = opened;
    const before = world.requests.length;
    await page.goto(world.pageUrl('usage-bad-locale'));
    for (const id of ['#x', '#ctor', '#proto']) {
      await until(async () => (await page.locator(`${id} li.meter`).count()) === 3, `${id} rendered`);
      assert.match((await page.locator(`${id} li.meter`).first().textContent()) ?? '', /1,300 of 1,000/);
    }
    assert.deepEqual(world.requests.slice(before).filter((r) => r.path.includes('/widgets/')).map((r) => r.path), [], 'no language file, no /widgets/undefined');
    for (const value of ['x', 'constructor', '__proto__']) {
      assert.ok(consoleWarnings.some((w) => w.includes(`data-aforo-locale "${value}" is not a locale tag`)), value);
    }
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('empty: a subscription without metered features says so', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('usage'));
    await until(async () => (await statusOf(page, '#empty')) === 'This plan has no metered features.', 'the empty state');
    assert.equal(await page.locator('#empty li.meter').count(), 0);
    assert.equal(await page.locator('#empty .total').isVisible(), false);
    assert.equal(await page.locator('#empty .period').textContent(), 'Period: Dec 1, 2026 – Jan 1, 2027');
    await context.close();
  });

  test("another customer's subscription id: a not-found message, no usage request, nothing of theirs on the page", async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleWarnings } = opened;
    const asked = world.calls('/subscriptions/sub_bo_pro/usage').length;
    await page.goto(world.pageUrl('usage'));
    await until(async () => (await statusOf(page, '#foreign')) === 'This subscription was not found on your account.', 'the not-found state');
    await page.locator('#usage li.meter').first().waitFor();
    assert.equal(await page.locator('#foreign li.meter').count(), 0);
    assert.equal(world.calls('/subscriptions/sub_bo_pro/usage').length, asked);
    const dom = await renderedDom(page);
    for (const secret of ['bo-secret-feature', '987,654', '42.42']) assert.equal(dom.includes(secret), false, secret);
    const errors = (await recordedEvents(page)).filter((e) => e.type === 'aforo.usage-meter.error' && !e.onWindow);
    assert.deepEqual(errors.map((e) => JSON.parse(e.detail)), [{ code: 'not_found' }]);
    assert.ok(consoleWarnings.some((m) => m.includes('no subscription "sub_bo_pro"')), consoleWarnings.join('\n'));
    // The engine refuses it too when asked directly.
    const jwt = await page.evaluate(() => window.AforoSession?.getSessionJwt());
    const direct = await fetch(`${world.engineBase}/v1/embed${'/subscriptions/sub_bo_pro/usage'}`, {
      headers: { authorization: `Bearer ${jwt}`, 'x-aforo-tenant': TENANT, 'x-aforo-embed-key': world.embedKey, origin: world.pageOrigin },
    });
    assert.equal(direct.status, 404);
    assert.equal(JSON.stringify(await direct.json()).includes('bo-secret'), false);
    await context.close();
  });

  test('polling every 15 s: a change made through the admin API shows after the interval, and an unchanged poll touches nothing', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.clock.install();
    await page.goto(world.pageUrl('usage-poll'));
    await page.locator('#usage li.meter').first().waitFor();
    const polls = world.calls(USAGE_PATH).length;
    // An unchanged poll: the rows stay the very same nodes, so a screen reader hears nothing new.
    await page.locator('#usage li.meter').first().evaluate((li) => li.setAttribute('data-marker', 'kept'));
    await page.clock.runFor(15_000);
    await until(async () => world.calls(USAGE_PATH).length === polls + 1 && (await recordedEvents(page)).some((e) => e.type === 'aforo.usage-meter.updated'), 'the first poll');
    assert.equal(await page.locator('#usage li.meter[data-marker="kept"]').count(), 1);
    assert.equal(await page.locator('#usage ul.meters').getAttribute('aria-live'), 'polite');

    await world.bridge.api.admin.putUsage(TENANT, ANA.externalId, 'sub_ana_pro', 'seats', { used: 4, included: 5 });
    await page.clock.runFor(14_000);
    assert.equal(world.calls(USAGE_PATH).length, polls + 1, 'no poll before the interval');
    await page.clock.runFor(1_000);
    await until(async () => (await meters(page, '#usage'))[1]?.num === '4 of 5', 'the new seat count');
    assert.equal(world.calls(USAGE_PATH).length, polls + 2);
    // Only the changed row was redrawn.
    assert.equal(await page.locator('#usage li.meter[data-marker="kept"]').count(), 1);
    await context.close();
  });

  test('a hidden page does not poll, and refreshes once when it is visible again', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.clock.install();
    await page.goto(world.pageUrl('usage-poll'));
    await page.locator('#usage li.meter').first().waitFor();
    // What the browser does when the tab goes to the background. A script string: the test transpiler would name the getters.
    const setVisibility = (state: 'hidden' | 'visible') => page.evaluate(`(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${state === 'hidden'} });
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
    await setVisibility('hidden');
    const polls = world.calls(USAGE_PATH).length;
    await world.bridge.api.admin.putUsage(TENANT, ANA.externalId, 'sub_ana_pro', 'seats', { used: 5, included: 5 });
    await page.clock.runFor(120_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.calls(USAGE_PATH).length, polls, 'no poll while hidden');
    await setVisibility('visible');
    await until(async () => (await meters(page, '#usage'))[1]?.num === '5 of 5', 'the refresh on becoming visible');
    assert.equal(world.calls(USAGE_PATH).length, polls + 1, 'one refresh');
    // And polling goes on from there.
    await page.clock.runFor(15_000);
    await until(async () => world.calls(USAGE_PATH).length === polls + 2, 'the next poll');
    await context.close();
  });

  test('data-aforo-poll-seconds below 15 is raised to 15, with a warning that names the fix', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleWarnings } = opened;
    await page.clock.install();
    await page.goto(world.pageUrl('usage-clamp'));
    await page.locator('#usage li.meter').first().waitFor();
    const polls = world.calls(USAGE_PATH).length;
    await page.clock.runFor(14_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.calls(USAGE_PATH).length, polls, 'not every 5 s');
    await page.clock.runFor(1_000);
    await until(async () => world.calls(USAGE_PATH).length === polls + 1, 'the poll at 15 s');
    assert.ok(consoleWarnings.some((m) => m.includes('data-aforo-poll-seconds="5" is not a number of seconds from 15 to 86400; polling every 15 s')), consoleWarnings.join('\n'));
    await context.close();
  });

  test('unmounting stops the poller', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.clock.install();
    await page.goto(world.pageUrl('usage-poll'));
    await page.locator('#usage li.meter').first().waitFor();
    const polls = world.calls(USAGE_PATH).length;
    // Removing the element is what a single-page app does; the widget's own timer must not outlive it.
    await page.evaluate(() => document.querySelector('#usage')?.remove());
    await page.clock.runFor(60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.calls(USAGE_PATH).length, polls);
    await context.close();
  });

  test('magic-link mode, signed out: the email form', async (t) => {
    const opened = await open(t, { width: 390 });
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('usage-magic'));
    await page.locator('#usage input[type="email"]').waitFor();
    assert.equal(await statusOf(page, '#usage'), 'Sign in with your email to see your usage.');
    assert.equal(await page.locator('#usage li.meter').count(), 0);
    await screenshot(page, 'usage-meter-magic-link-390');
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('magic-link mode: email → mail → link, the usage renders, and "Sign out" brings the form back', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    await page.goto(world.pageUrl('usage-magic'));
    const input = page.locator('#usage input[type="email"]');
    await input.waitFor();
    await input.fill(ANA.email);
    await page.locator('#usage button[type="submit"]').click();
    await page.locator('#usage p.status', { hasText: 'Check your inbox.' }).waitFor();
    const mail = await world.mailbox.next(ANA.email);
    const link = /https?:\/\/[^\s"<>]+aforo_magic_token=[^\s"<>]+/.exec(mail.text ?? '')?.[0];
    assert.ok(link, 'the mail carries the link');
    assert.ok((await recordedEvents(page)).some((e) => e.type === 'aforo.usage-meter.magic-link-sent' && !e.onWindow));
    await page.goto(link);
    await page.locator('#usage li.meter').first().waitFor();
    assert.equal((await meters(page, '#usage'))[0]?.num, '1,300 of 1,000');
    const signOut = page.locator('#usage button.link', { hasText: 'Sign out' });
    await signOut.click();
    await page.locator('#usage input[type="email"]').waitFor();
    assert.equal(await page.locator('#usage li.meter').count(), 0);
    assert.equal(await page.locator('#usage .period').isVisible(), false);
    const types = (await recordedEvents(page)).filter((e) => !e.onWindow && e.type.startsWith('aforo.usage-meter.')).map((e) => e.type);
    for (const expected of ['signed-in', 'ready', 'signed-out']) assert.ok(types.includes(`aforo.usage-meter.${expected}`), expected);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('bridge mode: the portal ending the session shows the sign-in message, and polling stops', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.clock.install();
    await page.goto(world.pageUrl('usage-poll'));
    await page.locator('#usage li.meter').first().waitFor();
    await page.evaluate(() => window.AforoSession?.destroy());
    await until(async () => (await statusOf(page, '#usage')) === 'Sign in to see your usage.', 'the signed-out state');
    assert.equal(await page.locator('#usage li.meter').count(), 0);
    const polls = world.calls(USAGE_PATH).length;
    await page.clock.runFor(60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.calls(USAGE_PATH).length, polls);
    assert.ok((await recordedEvents(page)).some((e) => e.type === 'aforo.usage-meter.signed-out' && !e.onWindow));
    await context.close();
  });

  test('German: copy, numbers, money and dates in the visitor locale', async (t) => {
    const opened = await pages.open(t, { locale: 'de-DE', timezoneId: 'UTC' });
    if (!opened) return;
    const { context, page } = opened;
    await world.bridge.api.admin.putUsage(TENANT, ANA.externalId, 'sub_ana_pro', 'seats', { used: 3, included: 5 });
    await page.goto(world.pageUrl('usage'));
    await page.locator('#usage li.meter').first().waitFor();
    assert.deepEqual((await meters(page, '#usage')).map((m) => [m.num, m.overBy]), [['1.300 von 1.000', '300 darüber · 15,00\u00a0€'], ['3 von 5', ''], ['42 verbraucht', '']]);
    assert.equal(await page.locator('#usage .total').textContent(), 'Mehrverbrauch bisher: 15,00\u00a0€');
    assert.equal(await page.locator('#usage .period').textContent(), 'Zeitraum: 01.12.2026 – 01.01.2027');
    assert.equal(await page.locator('#usage h2').textContent(), 'Verbrauch');
    await context.close();
  });

  for (const dark of [false, true]) {
    for (const width of [1280, 390]) {
      const name = `usage-meter-${dark ? 'dark' : 'light'}-${width}`;
      test(`${dark ? 'dark' : 'light'}, ${width} px: no horizontal overflow, contrast >= 4.5:1`, async (t) => {
        const opened = await open(t, { width, dark });
        if (!opened) return;
        const { context, page } = opened;
        // The polling tests above moved the seat count; the screenshots show the seeded numbers.
        await world.bridge.api.admin.putUsage(TENANT, ANA.externalId, 'sub_ana_pro', 'seats', { used: 3, included: 5 });
        await page.goto(world.pageUrl('usage', { theme: dark ? 'dark' : 'light' }));
        await page.locator('#usage li.meter').first().waitFor();
        await page.locator('#foreign .status.error').waitFor();
        for (const measured of await overflow(page, ['#usage', '#empty', '#foreign'])) {
          assert.ok(measured.scrollWidth <= measured.clientWidth, `${measured.where} overflows: ${measured.scrollWidth} > ${measured.clientWidth}`);
        }
        for (const selector of ['#usage', '#empty', '#foreign']) assert.deepEqual(await lowContrast(page, selector), [], selector);
        await screenshot(page, name);
        await context.close();
      });
    }
  }
});

describe('usage meter when the billing system fails', () => {
  let world: WidgetWorld;
  const pages = chromiumPages();
  let failing = true;

  before(async () => {
    world = await startWidgetWorld({
      engine: {
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        dataSource: {
          async listSubscriptions() {
            if (failing) throw new Error('billing is down at https://billing.internal/?key=secret');
            return [{
              id: 'sub_ana_pro', offeringId: 'pro', ratePlanId: 'pro-month', status: 'ACTIVE', amountCents: 2900, currency: 'EUR', interval: 'month',
              cancelAtPeriodEnd: false, ...PERIOD,
            }];
          },
          async getUsage() {
            return [{ feature: 'api-calls', used: 10, included: 100, overageCents: 0, periodStart: PERIOD.currentPeriodStart, periodEnd: PERIOD.currentPeriodEnd }];
          },
        },
      },
    });
  });
  after(async () => {
    await pages.close();
    await world.close();
  });

  test('502: an error that says what happened and a "Try again" that works once the system is back', async (t) => {
    const opened = await pages.open(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('usage-poll'));
    const retry = page.locator('#usage button.retry');
    await retry.waitFor();
    assert.equal(await statusOf(page, '#usage'), 'Usage could not be loaded.');
    assert.equal(world.calls('/subscriptions').at(-1)?.status, 502);
    const errors = (await recordedEvents(page)).filter((e) => e.type === 'aforo.usage-meter.error' && !e.onWindow);
    assert.deepEqual(errors.map((e) => JSON.parse(e.detail)), [{ code: 'upstream_failed' }]);
    assert.equal((await renderedDom(page)).includes('billing.internal'), false);
    await screenshot(page, 'usage-meter-error');
    failing = false;
    await retry.click();
    await page.locator('#usage li.meter').first().waitFor();
    assert.deepEqual((await meters(page, '#usage')).map((m) => m.num), ['10 of 100']);
    assert.equal(await retry.isVisible(), false);
    assert.equal(await statusOf(page, '#usage'), '');
    assert.ok((await recordedEvents(page)).some((e) => e.type === 'aforo.usage-meter.ready' && !e.onWindow));
    await context.close();
  });
});
