import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ANA, cspViolations, launchChromium, persistedState, recordPage, recordedEvents, renderedDom, screenshot, startWidgetWorld,
  type WidgetWorld,
} from './helpers/browser.js';

const VERIFIER = 'aforo_magic_verifier';

describe('magic-link sign-in in Chromium, mail through a real SMTP server', () => {
  let world: WidgetWorld;
  let browser: Browser | null = null;

  before(async () => {
    world = await startWidgetWorld();
  });
  after(async () => {
    await browser?.close();
    await world.close();
  });

  async function newPage(t: Parameters<typeof launchChromium>[0]): Promise<{ context: BrowserContext; page: Page } | null> {
    browser ??= await launchChromium(t);
    if (!browser) return null;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await recordPage(page);
    return { context, page };
  }

  /** Fills the widget's form on `page` and returns the link of the mail that arrives. */
  async function requestLink(page: Page): Promise<string> {
    await page.goto(world.pageUrl('magic'));
    const input = page.locator('#invoices input[type="email"]');
    await input.waitFor();
    await input.fill(ANA.email);
    await page.locator('#invoices button[type="submit"]').click();
    await page.locator('#invoices p.status', { hasText: 'Check your inbox.' }).waitFor();
    const mail = await world.mailbox.next(ANA.email);
    const link = /https?:\/\/[^\s"<>]+aforo_magic_token=[^\s"<>]+/.exec(mail.text ?? '')?.[0];
    assert.ok(link, 'the mail carries the link');
    assert.ok(link.startsWith(world.pageUrl('magic') + '?aforo_magic_token='), link);
    return link;
  }

  async function assertNoSessionPersisted(page: Page, allowVerifier: boolean): Promise<void> {
    const state = await persistedState(page);
    assert.equal(state.localStorage, '{}');
    assert.equal(state.cookie, '');
    // The one thing a signed-in magic-link page may keep: its resume key (SPEC section 9, test/widgets-resume.test.ts).
    assert.ok(state.indexedDb.every((name) => name === 'aforo-resume'), JSON.stringify(state.indexedDb));
    const keys = Object.keys(state.sessionStorage);
    assert.deepEqual(keys, allowVerifier ? [VERIFIER] : []);
    if (allowVerifier) assert.match(state.sessionStorage[VERIFIER], /^[0-9a-f]{32}$/);
    const jwt = await page.evaluate(() => window.AforoSession?.getSessionJwt() ?? null);
    if (jwt) assert.equal((await renderedDom(page)).includes(jwt), false);
    for (const event of await recordedEvents(page)) {
      for (const secret of [ANA.email, ANA.externalId, 'cus_', 'eyJ', 'aforo_magic_token']) {
        assert.equal(event.detail.includes(secret), false, `${event.type} carries ${secret}`);
      }
    }
  }

  test('same browser: email → mail → link; the token leaves the URL at once and the invoices render without a click', async (t) => {
    const opened = await newPage(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('magic'));
    await page.locator('#invoices input[type="email"]').waitFor();
    await screenshot(page, 'magic-link-form');

    const link = await requestLink(page);
    await screenshot(page, 'magic-link-check-inbox');
    await assertNoSessionPersisted(page, true);
    assert.ok((await recordedEvents(page)).some((e) => e.type === 'aforo.invoice-list.magic-link-sent'));

    const exchanges = world.calls('/auth/magic-link/exchange').length;
    await page.goto(link);
    assert.equal(await page.evaluate(() => location.href), world.pageUrl('magic'));
    await page.locator('#invoices tbody tr').first().waitFor();
    assert.equal(await page.locator('#invoices tbody tr').count(), 7);
    const exchanged = world.calls('/auth/magic-link/exchange').slice(exchanges);
    assert.deepEqual(exchanged.map((r) => [r.status, r.origin]), [[200, world.pageOrigin]]);
    await screenshot(page, 'invoice-list-magic-link');
    await assertNoSessionPersisted(page, false);
    assert.deepEqual(await cspViolations(page), []);

    // The next navigation's referrer is the cleaned URL.
    await page.locator('#next').click();
    await page.waitForURL(`${world.pageOrigin}/next.html`);
    const referrer = await page.evaluate(() => document.referrer);
    assert.equal(referrer, world.pageUrl('magic'));
    await context.close();
  });

  test('another browser: nothing is exchanged until "Continue" is clicked; a used link then fails cleanly', async (t) => {
    const asking = await newPage(t);
    if (!asking) return;
    const link = await requestLink(asking.page);
    await asking.context.close();
    // A mail scanner fetching the link consumes nothing: only a POST from the widget does.
    assert.equal((await fetch(link)).status, 200);

    const opened = await newPage(t);
    if (!opened) return;
    const { context, page } = opened;
    const exchanges = world.calls('/auth/magic-link/exchange').length;
    const issued: string[] = [];
    page.on('request', (request) => issued.push(request.url()));
    await page.goto(link);
    assert.equal(await page.evaluate(() => location.href), world.pageUrl('magic'));
    const button = page.locator('#invoices button', { hasText: 'Continue' });
    await button.waitFor();
    // The widget decides between exchanging and asking in the same turn that renders the button.
    assert.equal(issued.some((url) => url.endsWith('/auth/magic-link/exchange')), false, 'no exchange before the click');
    assert.equal(world.calls('/auth/magic-link/exchange').length, exchanges);
    assert.equal(await page.locator('#invoices table').count(), 0);
    await screenshot(page, 'magic-link-continue');

    await button.click();
    await page.locator('#invoices tbody tr').first().waitFor();
    assert.equal(world.calls('/auth/magic-link/exchange').length, exchanges + 1);
    await assertNoSessionPersisted(page, false);

    // The same link again: one-time, so the exchange is refused and the form comes back.
    const again = await context.newPage();
    await recordPage(again);
    await again.goto(link);
    await again.locator('#invoices button', { hasText: 'Continue' }).click();
    await again.locator('#invoices p.status.error').waitFor();
    assert.match((await again.locator('#invoices p.status.error').textContent()) ?? '', /invalid or has expired/);
    await again.locator('#invoices input[type="email"]').waitFor();
    assert.equal(world.calls('/auth/magic-link/exchange').at(-1)?.status, 401);
    const errors = (await recordedEvents(again)).filter((e) => e.type === 'aforo.invoice-list.error');
    assert.deepEqual(JSON.parse(errors[0].detail), { code: 'magic_link_invalid' });
    await assertNoSessionPersisted(again, false);

    // The magic-link session can be ended from the widget itself.
    await page.locator('#invoices button', { hasText: 'Sign out' }).click();
    await page.locator('#invoices input[type="email"]').waitFor();
    assert.equal(await page.locator('#invoices table').count(), 0);
    // The form comes back as soon as the session is forgotten; the logout call may still be on its way.
    for (let i = 0; i < 100 && !world.calls('/auth/logout').at(-1)?.status; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(world.calls('/auth/logout').at(-1)?.status, 204);
    await context.close();
  });
});
