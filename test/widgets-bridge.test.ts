import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ANA, BO, CY, DEE, TENANT, cspViolations, jwtClaims, launchChromium, persistedState, recordPage, recordedEvents, renderedDom,
  screenshot, startWidgetWorld, type WidgetWorld,
} from './helpers/browser.js';

const SESSION_TTL = 60;

describe('invoice list with a bridge token in Chromium', () => {
  let world: WidgetWorld;
  let browser: Browser | null = null;

  before(async () => {
    // A one-minute session JWT: the SDK refreshes at half-life, which the refresh test drives with the page clock.
    world = await startWidgetWorld({ sessionTtl: SESSION_TTL });
  });
  after(async () => {
    await browser?.close();
    await world.close();
  });

  async function openPage(t: Parameters<typeof launchChromium>[0], install?: (page: Page) => Promise<void>): Promise<{ context: BrowserContext; page: Page; consoleWarnings: string[] } | null> {
    browser ??= await launchChromium(t);
    if (!browser) return null;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    const { consoleWarnings } = await recordPage(page);
    await install?.(page);
    return { context, page, consoleWarnings };
  }

  const rowIds = (page: Page, host: string): Promise<(string | null)[]> =>
    page.locator(`${host} tbody tr`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-invoice-id')));
  const jwtOf = (page: Page): Promise<string | null> => page.evaluate(() => window.AforoSession?.getSessionJwt() ?? null);

  async function assertNothingPersisted(page: Page, jwt: string): Promise<void> {
    const state = await persistedState(page);
    assert.equal(state.localStorage, '{}');
    assert.deepEqual(state.sessionStorage, {});
    assert.equal(state.cookie, '');
    assert.deepEqual(state.indexedDb, []);
    const dom = await renderedDom(page);
    assert.equal(dom.includes(jwt), false, 'the JWT is not in the DOM');
    assert.equal(dom.includes('data-aforo-bridge-token'), false, 'the bridge token attribute is gone');
  }

  async function assertEventsCarryNoPersonalData(page: Page): Promise<void> {
    const events = await recordedEvents(page);
    assert.ok(events.length > 0);
    for (const event of events) {
      assert.match(event.type, /^aforo\.(pricing-card|invoice-list)\.[a-z-]+$/);
      for (const secret of [ANA.email, ANA.name, ANA.externalId, 'cus_', 'eyJ']) {
        assert.equal(event.detail.includes(secret), false, `${event.type} detail ${event.detail} carries ${secret}`);
      }
    }
  }

  test('two widgets on one page exchange the bridge token once and show only the customer\'s invoices', async (t) => {
    const opened = await openPage(t);
    if (!opened) return;
    const { context, page } = opened;
    const browserExchanges: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/v1/embed/auth/bridge')) browserExchanges.push(request.url());
    });
    const before = world.calls('/auth/bridge').length;
    await page.goto(world.pageUrl('bridge'));
    await page.locator('#invoices tbody tr').first().waitFor();
    await page.locator('#invoices-2 tbody tr').first().waitFor();
    await page.locator('#pricing ul.offerings > li').first().waitFor();

    assert.equal(browserExchanges.length, 1);
    const exchanges = world.calls('/auth/bridge').slice(before);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0].status, 200);
    assert.equal(exchanges[0].origin, world.pageOrigin);

    // Page size 5 on the first widget, the default 10 on the second; Bo's invoice never shows.
    assert.equal((await rowIds(page, '#invoices')).length, 5);
    const all = await rowIds(page, '#invoices-2');
    assert.deepEqual([...all].sort(), ['in_ana_1', 'in_ana_2', 'in_ana_3', 'in_ana_4', 'in_ana_5', 'in_ana_6', 'in_ana_7']);
    assert.equal((await renderedDom(page)).includes('ACME-2026-BO1'), false);

    const first = page.locator('#invoices-2 tr[data-invoice-id="in_ana_1"]');
    assert.equal(await first.locator('th').textContent(), 'ACME-2026-001');
    assert.deepEqual(await first.locator('td').allTextContents(), ['Jan 10, 2026', 'Jan 24, 2026', 'Open', '$10.50', 'PayPDF']);
    const links = first.locator('a');
    assert.equal(await links.count(), 2);
    for (const link of await links.all()) {
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    }
    assert.equal(await links.first().getAttribute('href'), 'https://pay.acme.test/in_ana_1');
    assert.equal(await links.last().getAttribute('href'), 'https://files.acme.test/invoices/in_ana_1.pdf');
    // A PAID invoice shows what was paid and offers no "Pay".
    const paid = page.locator('#invoices-2 tr[data-invoice-id="in_ana_2"]');
    assert.deepEqual(await paid.locator('td').allTextContents(), ['Feb 10, 2026', 'Feb 24, 2026', 'Paid', '$20.50', 'ViewPDF']);
    assert.equal(await page.locator('#invoices-2 .account').textContent(), 'Signed in as Ana Lima');
    assert.equal(await page.locator('#invoices-2 .account button').count(), 0, 'a bridge session ends with the portal\'s sign-out');

    // Previous / next over the engine's cursor.
    const firstPage = await rowIds(page, '#invoices');
    const next = page.locator('#invoices button.next');
    const prev = page.locator('#invoices button.prev');
    assert.equal(await prev.isDisabled(), true);
    assert.equal(await page.locator('#invoices .page').textContent(), 'Page 1');
    await next.click();
    await page.locator('#invoices .page', { hasText: 'Page 2' }).waitFor();
    const secondPage = await rowIds(page, '#invoices');
    assert.equal(secondPage.length, 2);
    assert.deepEqual([...firstPage, ...secondPage].sort(), [...all].sort());
    assert.equal(await next.isDisabled(), true);
    await prev.click();
    await page.locator('#invoices .page', { hasText: 'Page 1' }).waitFor();
    assert.deepEqual(await rowIds(page, '#invoices'), firstPage);
    assert.ok(world.calls('/invoices').some((r) => r.status === 200));

    // Status chips.
    for (const [chip, expected] of [['Paid', ['in_ana_2', 'in_ana_5']], ['Overdue', ['in_ana_4']], ['Void', ['in_ana_6']], ['Open', ['in_ana_1', 'in_ana_3', 'in_ana_7']]] as const) {
      await page.locator('#invoices-2 .chips button', { hasText: chip }).click();
      // Waits for the rows themselves: Overdue and Void both have one, so a count alone would pass on the previous chip's.
      await page.waitForFunction(
        (ids) => [...(document.getElementById('invoices-2')?.shadowRoot?.querySelectorAll('tbody tr') ?? [])].map((tr) => tr.getAttribute('data-invoice-id')).sort().join() === ids,
        [...expected].join(),
      );
      assert.deepEqual((await rowIds(page, '#invoices-2')).sort(), [...expected]);
      assert.equal(await page.locator('#invoices-2 .chips button[aria-pressed="true"]').textContent(), chip);
    }
    const pressed = page.locator('#invoices-2 .chips button[aria-pressed="true"]');
    assert.equal(await pressed.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(15, 118, 110)', 'the tenant colour');
    await screenshot(page, 'invoice-list');

    // A widget added later mounts on the same session: no second exchange.
    await page.evaluate(({ tenant, embedKey }) => {
      const late = document.createElement('section');
      late.id = 'late';
      late.dataset.aforoWidget = 'invoice-list';
      late.dataset.aforoTenantSlug = tenant;
      late.dataset.aforoEmbedKey = embedKey;
      late.dataset.aforoShowAccount = 'false';
      document.body.append(late);
    }, { tenant: TENANT, embedKey: world.embedKey });
    await page.locator('#late tbody tr').first().waitFor();
    assert.equal(world.calls('/auth/bridge').length - before, 1);
    assert.equal(await page.locator('#late .account').isVisible(), false, 'data-aforo-show-account="false" hides the account line');

    const jwt = await jwtOf(page);
    assert.ok(jwt);
    assert.equal(jwtClaims(jwt).ext, ANA.externalId);
    await assertNothingPersisted(page, jwt);
    await assertEventsCarryNoPersonalData(page);
    const events = (await recordedEvents(page)).map((e) => e.type);
    assert.ok(events.includes('aforo.invoice-list.signed-in'));
    assert.ok(events.includes('aforo.invoice-list.ready'));
    assert.deepEqual(await cspViolations(page), []);
    await context.close();
  });

  test('AforoSession.destroy(): nothing customer-scoped stays on the page and the engine refuses the old JWT', async (t) => {
    const opened = await openPage(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('bridge', { customer: BO.externalId }));
    await page.locator('#invoices tbody tr').first().waitFor();
    const jwt = await jwtOf(page);
    assert.ok(jwt);
    assert.equal(jwtClaims(jwt).ext, BO.externalId);

    const logouts = world.calls('/auth/logout').length;
    await page.evaluate(() => window.AforoSession?.destroy());
    assert.equal(world.calls('/auth/logout').length, logouts + 1);
    assert.equal(world.calls('/auth/logout').at(-1)?.status, 204);
    for (const host of ['#invoices', '#invoices-2']) {
      await page.locator(`${host} p.status`, { hasText: 'Sign in to see your invoices.' }).waitFor();
      assert.equal(await page.locator(`${host} table`).count(), 0);
    }
    assert.equal((await renderedDom(page)).includes('ACME-2026-BO1'), false);
    assert.equal(await jwtOf(page), null);
    assert.ok((await recordedEvents(page)).some((e) => e.type === 'aforo.invoice-list.signed-out'));
    await assertNothingPersisted(page, jwt);
    await assertEventsCarryNoPersonalData(page);

    const answer = await fetch(`${world.engineBase}/v1/embed/invoices`, {
      headers: { authorization: `Bearer ${jwt}`, origin: world.pageOrigin, 'x-aforo-tenant': TENANT, 'x-aforo-embed-key': world.embedKey },
    });
    assert.equal(answer.status, 401);
    assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'session_invalid');
    await screenshot(page, 'invoice-list-signed-out');
    await context.close();
  });

  test('refresh follows the engine\'s expiresIn, retries a network failure, and a 401 signs the widgets out', async (t) => {
    const opened = await openPage(t, (page) => page.clock.install());
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('bridge'));
    await page.locator('#invoices tbody tr').first().waitFor();
    const first = await jwtOf(page);
    assert.ok(first);
    const refreshes = (): number => world.calls('/auth/refresh').length;
    const start = refreshes();

    // expiresIn is 60 s, so the refresh is due at half-life: not at 29 s, by 31 s.
    await page.clock.runFor(29_000);
    assert.equal(refreshes(), start);
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/embed/auth/refresh') && r.request().method() === 'POST');
    await page.clock.runFor(2_000);
    assert.equal((await answered).status(), 200);
    await page.waitForFunction((old) => window.AforoSession?.getSessionJwt().then((jwt) => jwt !== null && jwt !== old), first);
    const second = await jwtOf(page);
    assert.ok(second);
    assert.equal(jwtClaims(second).sid, jwtClaims(first).sid);
    assert.equal(refreshes(), start + 1);

    // The refreshed JWT is the one the widgets use now.
    await page.locator('#invoices-2 .chips button', { hasText: 'Paid' }).click();
    await page.waitForFunction(() => document.getElementById('invoices-2')?.shadowRoot?.querySelectorAll('tbody tr').length === 2);

    // A network failure is retried after a back-off instead of ending the session.
    await page.route('**/v1/embed/auth/refresh', (route) => route.abort('internetdisconnected'), { times: 1 });
    const failed = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/v1/embed/auth/refresh'));
    await page.clock.runFor(31_000);
    await failed;
    assert.equal(refreshes(), start + 1);
    const retried = page.waitForResponse((r) => r.url().endsWith('/v1/embed/auth/refresh') && r.request().method() === 'POST');
    await page.clock.runFor(5_000);
    assert.equal((await retried).status(), 200);
    await page.waitForFunction((old) => window.AforoSession?.getSessionJwt().then((jwt) => jwt !== null && jwt !== old), second);
    assert.equal(await page.locator('#invoices tbody tr').count() > 0, true);

    // The engine ends the session (logged out elsewhere): the next refresh gets 401 and the widgets sign out.
    const current = await jwtOf(page);
    const logout = await fetch(`${world.engineBase}/v1/embed/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${current}`, origin: world.pageOrigin, 'x-aforo-tenant': TENANT, 'x-aforo-embed-key': world.embedKey },
    });
    assert.equal(logout.status, 204);
    const refused = page.waitForResponse((r) => r.url().endsWith('/v1/embed/auth/refresh') && r.request().method() === 'POST');
    await page.clock.runFor(31_000);
    assert.equal((await refused).status(), 401);
    await page.locator('#invoices p.status', { hasText: 'Sign in to see your invoices.' }).waitFor();
    assert.equal(await page.locator('#invoices table').count(), 0);
    assert.equal(await jwtOf(page), null);
    assert.ok((await recordedEvents(page)).some((e) => e.type === 'aforo.invoice-list.signed-out'));
    await assertNothingPersisted(page, first);
    await context.close();
  });

  test('a refused bridge token shows the error state with the engine\'s code', async (t) => {
    const opened = await openPage(t);
    if (!opened) return;
    const { context, page } = opened;
    // The same rendered page twice: the second load presents an already-used token.
    await page.goto(world.pageUrl('bridge', { replay: 'stale' }));
    await page.locator('#invoices tbody tr').first().waitFor();
    await page.reload();
    const status = page.locator('#invoices p.status.error');
    await status.waitFor();
    assert.equal(await status.textContent(), 'We could not sign you in. Reload the page to try again.');
    const errors = (await recordedEvents(page)).filter((e) => e.type === 'aforo.invoice-list.error');
    assert.ok(errors.length >= 2);
    assert.deepEqual(JSON.parse(errors[0].detail), { code: 'bridge_token_replayed' });
    await context.close();
  });

  test('empty and error states: no invoices yet; a failed load offers a retry that works', async (t) => {
    const opened = await openPage(t);
    if (!opened) return;
    const { context, page, consoleWarnings } = opened;
    await page.goto(world.pageUrl('bridge', { customer: CY.externalId }));
    await page.locator('#invoices p.status', { hasText: 'No invoices yet.' }).waitFor();
    assert.equal(await page.locator('#invoices table').isVisible(), false);

    await page.goto(world.pageUrl('bridge'));
    await page.locator('#invoices tbody tr').first().waitFor();
    await page.route('**/v1/embed/invoices?*', (route) => route.abort('connectionrefused'), { times: 1 });
    await page.locator('#invoices .chips button', { hasText: 'Overdue' }).click();
    const status = page.locator('#invoices p.status.error');
    await status.waitFor();
    assert.equal(await status.textContent(), 'Invoices could not be loaded.');
    assert.ok((await recordedEvents(page)).some((e) => e.type === 'aforo.invoice-list.error' && JSON.parse(e.detail).code === 'network_error'));
    assert.deepEqual(consoleWarnings.filter((m) => m.startsWith('[aforo]')), [], 'a failed page load after sign-in is not a set-up problem');
    await page.locator('#invoices button.retry', { hasText: 'Try again' }).click();
    await page.waitForFunction(() => document.getElementById('invoices')?.shadowRoot?.querySelectorAll('tbody tr').length === 1);
    assert.deepEqual(await rowIds(page, '#invoices'), ['in_ana_4']);
    await context.close();
  });
  test('amounts and actions: paid shows what was paid, part-paid says so, Pay only with a hostedUrl, each filter has its empty state', async (t) => {
    const admin = world.bridge.api.admin;
    await admin.putCustomer(TENANT, DEE.externalId, { email: DEE.email, name: DEE.name });
    const base = { currency: 'EUR', issuedAt: '2026-03-01T12:00:00Z', dueAt: '2026-03-15T12:00:00Z' };
    await admin.putInvoice(TENANT, DEE.externalId, 'in_dee_paid', { ...base, number: 'D-1', status: 'PAID', amountDueCents: 0, amountPaidCents: 4900, pdfUrl: 'https://files.acme.test/d1.pdf', hostedUrl: 'https://pay.acme.test/d1' });
    await admin.putInvoice(TENANT, DEE.externalId, 'in_dee_part', { ...base, number: 'D-2', status: 'OPEN', amountDueCents: 3000, amountPaidCents: 1000, hostedUrl: 'https://pay.acme.test/d2' });
    // The admin API stores https links only; the widget refuses any other kind as well (a dataSource hook may send one).
    await admin.putInvoice(TENANT, DEE.externalId, 'in_dee_bare', { ...base, number: 'D-3', status: 'OVERDUE', amountDueCents: 500 });
    const opened = await openPage(t);
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('bridge', { customer: DEE.externalId }));
    const row = (id: string) => page.locator(`#invoices-2 tr[data-invoice-id="${id}"]`);
    await row('in_dee_paid').waitFor();
    assert.equal(await row('in_dee_paid').locator('td.num').textContent(), '€49.00');
    assert.deepEqual(await row('in_dee_paid').locator('a').evaluateAll((links) => links.map((a) => a.textContent)), ['View', 'PDF']);
    assert.equal(await row('in_dee_part').locator('td.num').textContent(), '€30.00€10.00 paid');
    assert.deepEqual(await row('in_dee_part').locator('a').evaluateAll((links) => links.map((a) => [a.textContent, a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')])),
      [['Pay', 'https://pay.acme.test/d2', '_blank', 'noopener noreferrer']]);
    assert.equal(await row('in_dee_bare').locator('a').count(), 0, 'no hostedUrl: no Pay');
    assert.equal(await row('in_dee_bare').locator('th').evaluate((th) => getComputedStyle(th).color), 'rgb(17, 24, 39)', 'the number reads as text, not disabled');
    for (const [chip, empty] of [['Void', 'No void invoices.'], ['Paid', null], ['Open', null]] as const) {
      await page.locator('#invoices-2 .chips button', { hasText: chip }).click();
      if (empty) {
        await page.locator('#invoices-2 p.status', { hasText: empty }).waitFor();
        assert.equal(await page.locator('#invoices-2 table').isVisible(), false);
      } else {
        await page.locator('#invoices-2 tbody tr').first().waitFor();
      }
    }
    await screenshot(page, 'invoice-list-amounts');
    await context.close();
  });
});
