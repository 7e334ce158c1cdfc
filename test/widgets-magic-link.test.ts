import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ANA, BO, cspViolations, launchChromium, persistedState, recordPage, recordedEvents, renderedDom, screenshot, startWidgetWorld,
  type WidgetWorld,
} from './helpers/browser.js';

const VERIFIER = 'aforo_magic_verifier';
const USED = 'aforo_magic_used';

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
    // The verifier (a random marker) and the fingerprint of a spent token are all a tab keeps; neither opens anything.
    const keys = Object.keys(state.sessionStorage).filter((key) => key !== USED);
    assert.deepEqual(keys, allowVerifier ? [VERIFIER] : []);
    if (allowVerifier) assert.match(state.sessionStorage[VERIFIER], /^[0-9a-f]{32}$/);
    if (USED in state.sessionStorage) assert.match(state.sessionStorage[USED], /^[0-9a-f]{32}$/);
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
    assert.equal(await page.locator('#invoices .account .who').textContent(), 'Signed in as Ana Lima');
    assert.equal(await page.locator('#invoices .account button').textContent(), 'Sign out');
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
  test('form states: a bad address is refused in the browser, the sent state names the address, "Use another email" goes back', async (t) => {
    const opened = await newPage(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('magic'));
    const input = page.locator('#invoices input[type="email"]');
    await input.waitFor();
    const asked = world.calls('/auth/magic-link').length;
    for (const bad of ['alice@example', 'a b@acme.test', 'Ana <ana@acme.test>', 'ana@acme.123']) {
      await input.fill(bad);
      await page.locator('#invoices button[type="submit"]').click();
      assert.equal(await page.locator('#invoices .field-error').textContent(), 'Enter a valid email address, like name@example.com.', bad);
      assert.equal(await input.getAttribute('aria-invalid'), 'true');
    }
    assert.equal(world.calls('/auth/magic-link').length, asked, 'the engine never sees an address it would refuse');
    await screenshot(page, 'magic-link-bad-address');

    await input.fill(BO.email);
    await page.locator('#invoices button[type="submit"]').click();
    await page.locator('#invoices p.status', { hasText: 'Check your inbox.' }).waitFor();
    assert.equal(await page.locator('#invoices .sent .lead').textContent(), `We sent a sign-in link to ${BO.email}.`);
    assert.match((await page.locator('#invoices .sent .hint').textContent()) ?? '', /may take a minute.*spam/);
    await world.mailbox.next(BO.email);
    await page.locator('#invoices button', { hasText: 'Use another email' }).click();
    await page.locator('#invoices input[type="email"]').waitFor();
    assert.equal(await page.locator('#invoices input[type="email"]').inputValue(), '');
    await context.close();
  });

  test('resend: disabled for 60 s after a send, then sends again', async (t) => {
    const opened = await newPage(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.clock.install();
    await page.goto(world.pageUrl('magic'));
    await page.locator('#invoices input[type="email"]').fill(BO.email);
    await page.locator('#invoices button[type="submit"]').click();
    const resend = page.locator('#invoices button.resend');
    await resend.waitFor();
    await world.mailbox.next(BO.email);
    assert.equal(await resend.isDisabled(), true);
    assert.equal(await resend.textContent(), 'Resend in 60 s');
    await page.clock.runFor(30_000);
    assert.equal(await resend.textContent(), 'Resend in 30 s');
    assert.equal(await resend.isDisabled(), true);
    await page.clock.runFor(30_000);
    assert.equal(await resend.isDisabled(), false);
    assert.equal(await resend.textContent(), 'Resend link');
    await screenshot(page, 'magic-link-resend');
    const asked = world.calls('/auth/magic-link').length;
    await resend.click();
    await page.locator('#invoices p.status', { hasText: `We sent another link to ${BO.email}.` }).waitFor();
    assert.equal(world.calls('/auth/magic-link').length, asked + 1);
    await world.mailbox.next(BO.email);
    assert.equal(await resend.isDisabled(), true, 'the cooldown starts again');
    await context.close();
  });

  test('landing: a link already used in this browser says so; an expired link says it is invalid or expired', async (t) => {
    const opened = await newPage(t);
    if (!opened) return;
    const { context, page } = opened;
    const link = await requestLink(page);
    await page.goto(link);
    await page.locator('#invoices tbody tr').first().waitFor();
    // The same link again in the same tab (a reload of the mail's link, a second click in the mail).
    const exchanges = world.calls('/auth/magic-link/exchange').length;
    await page.goto(link);
    const used = page.locator('#invoices p.status.error');
    await used.waitFor();
    assert.equal(await used.textContent(), 'This sign-in link was already used in this browser. Ask for a new one below.');
    assert.equal(await page.locator('#invoices button', { hasText: 'Continue' }).count(), 0);
    await page.locator('#invoices input[type="email"]').waitFor();
    assert.equal(world.calls('/auth/magic-link/exchange').length, exchanges, 'nothing is exchanged');
    await screenshot(page, 'magic-link-used-here');

    // A fresh link opened after its 15 minutes, in a browser with no session to resume (this one resumes its own).
    await context.close();
    const second = await newPage(t);
    if (!second) return;
    const late = await requestLink(second.page);
    world.setClockOffset(16 * 60_000);
    try {
      await second.page.goto(late);
      const expired = second.page.locator('#invoices p.status.error');
      await expired.waitFor();
      assert.equal(await expired.textContent(), 'This sign-in link is invalid or has expired. Ask for a new one below.');
      assert.equal(world.calls('/auth/magic-link/exchange').at(-1)?.status, 401);
      await second.page.locator('#invoices input[type="email"]').waitFor();
    } finally {
      world.setClockOffset(0);
    }
    const text = await second.page.locator('#invoices').evaluate((host) => host.shadowRoot?.textContent ?? '');
    assert.doesNotMatch(text, /magic_link_invalid|https?:|Error|at /);
    await second.context.close();
  });
});
