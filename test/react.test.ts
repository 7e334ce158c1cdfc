// aforo-bridge/react in Chromium against the real engine: a page bundled with Vite 7 as an application would bundle
// it (test/fixtures/react-page, React 19 in StrictMode), served from the allowlisted portal origin under the strict
// CSP of every widget page.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { ANA, TENANT, chromiumPages, cspViolations, startWidgetWorld, type WidgetWorld } from './helpers/browser.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/react-page/', import.meta.url));
const OUT = mkdtempSync(join(tmpdir(), 'aforo-react-page-'));
const PREFIX = '/react/';

interface Callback {
  widget: string;
  callback: string;
  detail: unknown;
}

/** Builds the fixture page once: development React, so StrictMode mounts every effect twice as it does in an app's dev server. */
async function buildPage(): Promise<void> {
  await build({
    root: FIXTURE,
    base: PREFIX,
    configFile: false,
    logLevel: 'error',
    mode: 'development',
    cacheDir: join(OUT, '.vite-cache'),
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    plugins: [react()],
    build: { outDir: join(OUT, 'page'), emptyOutDir: true, minify: false, reportCompressedSize: false },
  });
}

/** Waits for something the engine records (its requests arrive after the page has moved on). */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); await new Promise((resolve) => setTimeout(resolve, 25))) {
    if (Date.now() > end) assert.fail('timed out waiting for the engine');
  }
}

const callbacks = (page: Page): Promise<Callback[]> => page.evaluate(() => (window as unknown as { aforoCallbacks: Callback[] }).aforoCallbacks);
const shadowText = (page: Page, id: string): Promise<string> =>
  page.evaluate((hostId) => document.getElementById(hostId)?.shadowRoot?.textContent ?? '', id);
const invoiceRows = (page: Page): Promise<number> =>
  page.evaluate(() => document.getElementById('invoices')?.shadowRoot?.querySelectorAll('tbody tr').length ?? -1);

describe('aforo-bridge/react in Chromium under a strict CSP', () => {
  let world: WidgetWorld;
  const pages = chromiumPages();

  before(async () => {
    await buildPage();
    world = await startWidgetWorld({ serve: { prefix: PREFIX, dir: join(OUT, 'page') } });
    const admin = world.bridge.api.admin;
    await admin.putSubscription(TENANT, ANA.externalId, 'sub_ana_1', {
      offeringId: 'starter', ratePlanId: 'starter-month', status: 'ACTIVE', currentPeriodStart: '2026-12-01T00:00:00Z', currentPeriodEnd: '2027-01-01T00:00:00Z',
    });
    await admin.putUsage(TENANT, ANA.externalId, 'sub_ana_1', 'api-calls', { used: 420, included: 1000 });
  });
  after(async () => {
    await pages.close();
    await world?.close();
    rmSync(OUT, { recursive: true, force: true });
  });

  async function open(t: import('node:test').TestContext, options: { clock?: boolean } = {}) {
    const opened = await pages.open(t);
    if (!opened) return null;
    const { context, page, ...recorded } = opened;
    // A fake clock from the first script on, so every timer the widgets set can be moved on.
    if (options.clock) await page.clock.install();
    await page.goto(`${world.pageOrigin}${PREFIX}index.html`);
    await page.waitForFunction(() => document.getElementById('invoices')?.shadowRoot?.querySelectorAll('tbody tr').length === 5);
    await page.waitForFunction(() => document.getElementById('subscribe')?.shadowRoot?.querySelector('button.cta:not([disabled])') != null);
    await page.waitForFunction(() => document.getElementById('pricing')?.shadowRoot?.textContent?.includes('Starter'));
    return { context, page, ...recorded };
  }

  test('react: every component mounts from its props; pricing, Ana\'s invoices and an event-mode subscribe button work, each onReady fires once', async (t) => {
    const before = { bridge: world.calls('/auth/bridge').length, checkout: world.calls('/checkout').length };
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;

    const pricing = await shadowText(page, 'pricing');
    assert.match(pricing, /Starter[\s\S]*Pro/, 'the published offerings, in the tenant\'s order');
    assert.doesNotMatch(pricing, /Legacy|Secret beta/);
    const invoices = await shadowText(page, 'invoices');
    assert.match(invoices, /ACME-2026-00/);
    assert.doesNotMatch(invoices, /ACME-2026-BO1/, 'never Bo\'s invoice');
    assert.equal(world.calls('/auth/bridge').length, before.bridge + 1, 'one exchange for every component and StrictMode\'s second mount');
    assert.equal(await page.locator('#session').textContent(), 'signed in', 'useAforoSession follows the page session');

    await page.locator('#subscribe button.cta').click();
    await page.waitForFunction(() => document.getElementById('requested')?.textContent !== '');
    assert.equal(await page.locator('#requested').textContent(), 'pro pro-month 2900 EUR');
    assert.equal(world.calls('/checkout').length, before.checkout, 'event mode starts no checkout');

    const seen = await callbacks(page);
    assert.deepEqual(seen.filter((c) => c.callback === 'onCheckoutRequested').map((c) => c.detail),
      [{ offeringId: 'pro', ratePlanId: 'pro-month', priceCents: 2900, currency: 'EUR', interval: 'month' }]);
    // Once each although StrictMode mounted every widget twice (the first mount's late answers are dropped), and
    // although the click re-rendered the page with new callback functions (a new callback does not remount).
    assert.deepEqual(seen.filter((c) => c.callback === 'onReady' && ['invoice-list', 'pricing-card', 'subscribe-button'].includes(c.widget)).map((c) => [c.widget, c.detail]).sort(),
      [['invoice-list', { invoices: 5 }], ['pricing-card', { offerings: 2 }], ['subscribe-button', {}]]);

    // The bridge token reached the widgets as a prop and is nowhere in the DOM.
    assert.equal(await page.evaluate(() => document.body.outerHTML.includes('data-aforo-bridge-token') || document.body.outerHTML.includes('data-bridge-token')), false);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('react: the subscription manager and usage meter show Ana\'s subscription and its usage; unmounting the meter stops its polling', async (t) => {
    const opened = await open(t, { clock: true });
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    const host = (id: string) => page.evaluate((hostId) => {
      const element = document.getElementById(hostId);
      if (!element) return null;
      const attributes = Object.fromEntries([...element.attributes].filter((a) => a.name.startsWith('data-aforo-')).map((a) => [a.name, a.value]));
      return { tag: element.tagName, attributes };
    }, id);
    const common = { 'data-aforo-tenant-slug': 'acme', 'data-aforo-embed-key': world.embedKey };
    assert.deepEqual(await host('subscriptions'), {
      tag: 'DIV', attributes: { 'data-aforo-widget': 'subscription-manager', ...common, 'data-aforo-default-status': 'all' },
    });
    assert.deepEqual(await host('usage'), {
      tag: 'DIV', attributes: { 'data-aforo-widget': 'usage-meter', ...common, 'data-aforo-subscription-id': 'sub_ana_1', 'data-aforo-poll-seconds': '15' },
    });
    await page.waitForFunction(() => document.getElementById('subscriptions')?.shadowRoot?.querySelector('.sm-list li') != null);
    await page.waitForFunction(() => document.getElementById('usage')?.shadowRoot?.querySelector('progress') != null);
    assert.match(await shadowText(page, 'subscriptions'), /Starter[\s\S]*Renews on/);
    assert.match(await shadowText(page, 'usage'), /api-calls[\s\S]*420 of 1,000/);
    const ready = (await callbacks(page)).filter((c) => c.callback === 'onReady' && ['subscription-manager', 'usage-meter'].includes(c.widget));
    assert.deepEqual(ready.map((c) => [c.widget, c.detail]).sort(), [['subscription-manager', { subscriptions: 1 }], ['usage-meter', { features: 1 }]]);
    assert.deepEqual((await callbacks(page)).filter((c) => c.callback === 'onError'), []);

    // The meter's 15 s poll: the clock is moved on, a poll arrives; once unmounted, moving it on again brings none.
    const polls = () => world.calls('/subscriptions/sub_ana_1/usage').length;
    const first = polls();
    await page.clock.runFor(16_000);
    await until(() => polls() > first);
    await page.locator('#toggle-usage').click();
    assert.equal(await page.evaluate(() => document.getElementById('usage')), null);
    const stopped = polls();
    await page.clock.runFor(40_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(polls(), stopped, 'no poll after unmount');
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('react: unmounting the invoice list empties its host and stops it: a later sign-in loads nothing until it mounts again', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    const host = await page.$('#invoices');
    assert.ok(host);
    const loads = world.calls('/invoices').length;
    await page.locator('#toggle-invoices').click();
    await page.waitForFunction((element) => !element.isConnected, host);
    assert.equal(await host.evaluate((element) => element.shadowRoot?.childNodes.length), 0, 'the shadow root is emptied');

    // Sign out and in again with a fresh token: a mounted list would reload on the session change; this one is gone.
    await page.locator('#sign-out').click();
    await page.waitForFunction(() => document.getElementById('session')?.textContent === 'signed out');
    // The logout request leaves after the session is forgotten (the page shows "signed out" first).
    await until(() => world.calls('/auth/logout').length > 0);
    const fresh = /data-bridge-token="([^"]+)"/.exec(await (await fetch(`${world.pageOrigin}${PREFIX}index.html`)).text())?.[1];
    assert.ok(fresh);
    const jwt = await page.evaluate((token) => (window as unknown as { aforoSignIn: (t: string) => Promise<string | null> }).aforoSignIn(token), fresh);
    assert.match(jwt ?? '', /^ey/);
    await page.waitForFunction(() => document.getElementById('session')?.textContent === 'signed in');
    await page.waitForTimeout(500);
    assert.equal(world.calls('/invoices').length, loads, 'the unmounted list asked for nothing');
    assert.equal(await host.evaluate((element) => element.shadowRoot?.childNodes.length), 0);

    // Mounted again: a new host, one load with the page's session (no second exchange).
    const exchanges = world.calls('/auth/bridge').length;
    await page.locator('#toggle-invoices').click();
    await page.waitForFunction(() => document.getElementById('invoices')?.shadowRoot?.querySelectorAll('tbody tr').length === 5);
    assert.equal(await invoiceRows(page), 5);
    assert.equal(world.calls('/invoices').length, loads + 1);
    assert.equal(world.calls('/auth/bridge').length, exchanges);
    const ready = (await callbacks(page)).filter((c) => c.widget === 'invoice-list' && c.callback === 'onReady');
    assert.equal(ready.length, 2, 'one onReady per mount the page saw');
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  test('react: a changed prop remounts the widget with the new attribute, in the same host', async (t) => {
    const opened = await open(t);
    if (!opened) return;
    const { context, page, consoleErrors } = opened;
    const host = await page.$('#pricing');
    assert.ok(host);
    assert.equal(await host.getAttribute('data-aforo-theme'), 'light');
    const configs = world.calls('/config').length;
    await page.locator('#toggle-theme').click();
    await page.waitForFunction(() => document.getElementById('pricing')?.getAttribute('data-aforo-theme') === 'dark');
    await page.waitForFunction(() => (window as unknown as { aforoCallbacks: Callback[] }).aforoCallbacks.filter((c) => c.widget === 'pricing-card').length === 2);
    assert.equal(await host.evaluate((element) => element.isConnected && element === document.getElementById('pricing')), true, 'the same host element');
    assert.match(await shadowText(page, 'pricing'), /Starter[\s\S]*Pro/);
    assert.equal(await host.evaluate((element) => element.shadowRoot?.querySelectorAll('section').length), 1, 'one widget in the shadow root, not two');
    assert.equal(world.calls('/config').length, configs, 'the page\'s config is fetched once');
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
});
