// Resumable magic-link sessions in real Chromium (SPEC section 9): a reload or another page of the portal resumes
// the session with the browser's non-extractable key, and every way a session ends also ends resumption.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ANA, BO, indexedDbContents, launchChromium, persistedState, recordPage, renderedDom, startWidgetWorld, type WidgetWorld,
} from './helpers/browser.js';

const HOUR = 3600_000;
// Three dot-separated base64url parts, the first a JSON object: a JWT or any JWS.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

describe('resumable magic-link sessions in Chromium', () => {
  let world: WidgetWorld;
  let browser: Browser | null = null;
  let offset = 0;
  const magicTokens: string[] = [];

  before(async () => {
    world = await startWidgetWorld({ engine: { clock: () => new Date(Date.now() + offset), magicLink: { perEmailPerHour: 1000, perIpPerMinute: 1000 } } });
  });
  after(async () => {
    await browser?.close();
    await world.close();
  });

  async function newContext(t: Parameters<typeof launchChromium>[0]): Promise<BrowserContext | null> {
    browser ??= await launchChromium(t);
    return browser ? browser.newContext({ locale: 'en-US', timezoneId: 'UTC' }) : null;
  }

  async function openPage(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    await recordPage(page);
    await page.goto(url);
    return page;
  }

  /** Signs in by the form and the mailed link in `page`; waits for the invoices. */
  async function signIn(page: Page, email = ANA.email): Promise<void> {
    await page.goto(world.pageUrl('magic'));
    await page.locator('#invoices input[type="email"]').fill(email);
    await page.locator('#invoices button[type="submit"]').click();
    await page.locator('#invoices p.status', { hasText: 'Check your inbox.' }).waitFor();
    const mail = await world.mailbox.next(email);
    const link = /https?:\/\/[^\s"<>]+aforo_magic_token=[^\s"<>]+/.exec(mail.text ?? '')?.[0];
    assert.ok(link);
    magicTokens.push(new URL(link).searchParams.get('aforo_magic_token') ?? '');
    await page.goto(link);
    await page.locator('#invoices tbody tr').first().waitFor();
  }

  const showsForm = (page: Page) => page.locator('#invoices input[type="email"]').waitFor();
  const resumes = () => world.calls('/auth/resume');

  async function assertOneKeyAndNoCredential(page: Page, jwts: string[]): Promise<void> {
    const idb = await indexedDbContents(page);
    assert.equal(idb.records, 1);
    assert.deepEqual(idb.keys, [{ type: 'private', extractable: false, algorithm: 'ECDSA' }]);
    const state = await persistedState(page);
    const everything = [state.localStorage, state.cookie, JSON.stringify(state.sessionStorage), ...idb.strings].join('\n');
    assert.doesNotMatch(everything, JWT_LIKE);
    for (const secret of [...jwts, ...magicTokens, ANA.email, BO.email]) assert.equal(everything.includes(secret), false, 'a credential or an email is stored');
  }

  const jwtOf = (page: Page) => page.evaluate(() => window.AforoSession?.getSessionJwt() ?? null);

  test('reload and another page of the portal resume the session: no new mail, one resume call each, one non-extractable key and no token stored', async (t) => {
    const context = await newContext(t);
    if (!context) return;
    const page = await openPage(context, world.pageUrl('magic'));
    await signIn(page);
    const first = await jwtOf(page);
    assert.ok(first);
    const sid = JSON.parse(Buffer.from(first.split('.')[1], 'base64url').toString()).sid;
    await assertOneKeyAndNoCredential(page, [first]);
    const mails = world.calls('/auth/magic-link').length;

    const before = resumes().length;
    await page.reload();
    await page.locator('#invoices tbody tr').first().waitFor();
    assert.equal(await page.locator('#invoices tbody tr').count(), 7);
    assert.deepEqual(resumes().slice(before).map((r) => r.status), [200]);
    const second = await jwtOf(page);
    assert.ok(second);
    assert.equal(JSON.parse(Buffer.from(second.split('.')[1], 'base64url').toString()).sid, sid);
    assert.equal((await renderedDom(page)).includes(second), false);

    await page.goto(world.pageUrl('account'));
    await page.locator('#invoices tbody tr').first().waitFor();
    assert.deepEqual(resumes().slice(before).map((r) => r.status), [200, 200]);
    assert.equal(world.calls('/auth/magic-link').length, mails, 'no new mail was asked for');
    await assertOneKeyAndNoCredential(page, [first, second, (await jwtOf(page)) as string]);
    await context.close();
  });

  test('several tabs resume into the same sid; a sign-out in one tab sends the others to the sign-in form at their next call', async (t) => {
    const context = await newContext(t);
    if (!context) return;
    const one = await openPage(context, world.pageUrl('magic'));
    await signIn(one);
    const two = await openPage(context, world.pageUrl('magic'));
    await two.locator('#invoices tbody tr').first().waitFor();
    const sidOf = async (page: Page) => JSON.parse(Buffer.from(((await jwtOf(page)) as string).split('.')[1], 'base64url').toString()).sid;
    assert.equal(await sidOf(two), await sidOf(one));

    await one.locator('#invoices button', { hasText: 'Sign out' }).click();
    await showsForm(one);
    // Tab two learns of it at its next call.
    await two.locator('#invoices .chips button', { hasText: 'Paid' }).click();
    await showsForm(two);
    const before = resumes().length;
    await two.reload();
    await showsForm(two);
    assert.equal(resumes().length, before, 'no key is left to resume with');
    assert.equal((await indexedDbContents(two)).keys.length, 0);
    await context.close();
  });

  test('AforoSession.destroy() ends resumption: the key is deleted and a reload shows the form', async (t) => {
    const context = await newContext(t);
    if (!context) return;
    const page = await openPage(context, world.pageUrl('magic'));
    await signIn(page);
    await page.evaluate(() => window.AforoSession?.destroy());
    await showsForm(page);
    assert.equal((await indexedDbContents(page)).keys.length, 0);
    const before = resumes().length;
    await page.reload();
    await showsForm(page);
    assert.equal(resumes().length, before);
    await context.close();
  });

  test('idle longer than 12 h (engine clock) ends resumption: the engine refuses, the key is deleted, the form shows', async (t) => {
    const context = await newContext(t);
    if (!context) return;
    const page = await openPage(context, world.pageUrl('magic'));
    await signIn(page);
    await page.close();
    offset += 12 * HOUR + 60_000;
    const later = await openPage(context, world.pageUrl('magic'));
    await showsForm(later);
    assert.equal(resumes().at(-1)?.status, 401);
    assert.equal((await indexedDbContents(later)).keys.length, 0);
    await context.close();
  });

  test('the absolute lifetime (24 h) ends resumption even for a session seen every 11 h', async (t) => {
    const context = await newContext(t);
    if (!context) return;
    let page = await openPage(context, world.pageUrl('magic'));
    await signIn(page, BO.email);
    for (let i = 0; i < 2; i++) {
      await page.close();
      offset += 11 * HOUR;
      page = await openPage(context, world.pageUrl('magic'));
      await page.locator('#invoices tbody tr').first().waitFor();
      assert.equal(resumes().at(-1)?.status, 200);
    }
    await page.close();
    offset += 2 * HOUR + 60_000;
    page = await openPage(context, world.pageUrl('magic'));
    await showsForm(page);
    assert.equal(resumes().at(-1)?.status, 401);
    assert.equal((await indexedDbContents(page)).keys.length, 0);
    await context.close();
  });

  test('admin revocation of the embed key ends resumption: the engine refuses it and the page shows the form', async (t) => {
    const context = await newContext(t);
    if (!context) return;
    const page = await openPage(context, world.pageUrl('magic'));
    await signIn(page);
    await page.close();
    await world.bridge.api.admin.revokeEmbedKey('acme', world.embedKey);
    const okBefore = resumes().filter((r) => r.status === 200).length;
    const seen = world.requests.length;
    const later = await openPage(context, world.pageUrl('magic'));
    await showsForm(later);
    assert.equal(resumes().filter((r) => r.status === 200).length, okBefore, 'nothing resumed');
    // The origin is on no active key any more, so the engine refuses even the preflight (SPEC section 5). The browser
    // cannot read that refusal (no CORS headers), so it cannot tell it from a network failure and keeps the key, which
    // can never resume anything again.
    const refused = world.requests.slice(seen).filter((r) => r.method === 'OPTIONS' && r.path.endsWith('/auth/resume/nonce'));
    assert.deepEqual(refused.map((r) => r.status), [403]);
    await context.close();
  });
});
