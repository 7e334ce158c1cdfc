import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { TENANT, chromiumPages, recordedEvents, screenshot, startWidgetWorld, type WidgetWorld } from './helpers/browser.js';

/** What a customer may read: a short sentence, never a code, a URL, a stack or an embed key. */
async function assertNeutral(page: Page, selector: string, expected: string): Promise<void> {
  const text = await page.locator(selector).evaluate((host) => host.shadowRoot?.textContent ?? '');
  assert.equal(text, expected, selector);
  assert.doesNotMatch(text, /_|https?:|\bat \w|Error|ek_/, selector);
}

describe('developer diagnostics: one [aforo] console warning per misconfiguration, a neutral line for the customer', () => {
  let world: WidgetWorld;
  const pages = chromiumPages();

  before(async () => {
    world = await startWidgetWorld();
  });
  after(async () => {
    await pages.close();
    await world.close();
  });

  test('unknown embed key, unknown tenant, unreachable engine, a typo in the widget name, a missing embed key', async (t) => {
    const opened = await pages.open(t, { locale: 'en-US' });
    if (!opened) return;
    const { context, page, consoleWarnings } = opened;
    await page.goto(world.pageUrl('misconfig'));
    for (const id of ['#wrong-key', '#wrong-tenant', '#unreachable']) {
      await page.locator(`${id} p.status.error`).waitFor();
      await assertNeutral(page, id, 'Pricing is unavailable right now.');
    }
    await page.locator('#invoices-wrong-key p.status.error').waitFor();
    await assertNeutral(page, '#invoices-wrong-key', 'InvoicesInvoices are unavailable right now.');
    await assertNeutral(page, '#typo', 'This widget could not start.');
    await assertNeutral(page, '#no-key', 'This widget could not start.');
    for (let i = 0; i < 100 && consoleWarnings.filter((m) => m.startsWith('[aforo]')).length < 6; i++) await page.waitForTimeout(20);
    const warnings = consoleWarnings.filter((m) => m.startsWith('[aforo]'));
    const about = (pattern: RegExp): string[] => warnings.filter((m) => pattern.test(m));
    assert.equal(about(/pricing-card \(tenant "acme", embed key "ek_test_doesnotexist/).length, 1, warnings.join('\n'));
    assert.equal(about(/invoice-list \(tenant "acme", embed key "ek_test_doesnotexist/).length, 1, warnings.join('\n'));
    assert.match(about(/pricing-card \(tenant "acme", embed key "ek_test_doesnotexist/)[0], new RegExp(`does not know this embed key.*embed-keys list --tenant ${TENANT}`));
    assert.equal(about(/tenant "someone-else"/).length, 1, warnings.join('\n'));
    assert.match(about(/tenant "someone-else"/)[0], /does not know this embed key for this tenant/);
    assert.equal(about(/engine\.invalid/).length, 1, warnings.join('\n'));
    assert.match(about(/engine\.invalid/)[0], /cannot be reached.*data-aforo-api-base/);
    assert.equal(about(/unknown widget "pricing-cards"/).length, 1, warnings.join('\n'));
    for (const known of ['pricing-card', 'invoice-list', 'subscribe-button', 'subscription-manager', 'usage-meter']) assert.ok(about(/unknown widget/)[0].includes(`"${known}"`), known);
    assert.equal(about(/invoice-list: data-aforo-tenant-slug and data-aforo-embed-key are both required/).length, 1, warnings.join('\n'));
    assert.equal(warnings.length, 6, warnings.join('\n'));
    const codes = (await recordedEvents(page)).filter((e) => e.type.endsWith('.error') && !e.onWindow).map((e) => JSON.parse(e.detail).code);
    assert.deepEqual(codes.sort(), ['embed_key_invalid', 'embed_key_invalid', 'embed_key_invalid', 'invalid_config', 'invalid_config', 'network_error']);
    await screenshot(page, 'misconfigured');
    await context.close();
  });

  test('a refused bridge token names the code and the fix; the customer reads a neutral line', async (t) => {
    const opened = await pages.open(t, { locale: 'en-US' });
    if (!opened) return;
    const { context, page, consoleWarnings } = opened;
    await page.goto(world.pageUrl('bridge', { replay: 'stale-diagnostics' }));
    await page.locator('#invoices tbody tr').first().waitFor();
    await page.reload();
    await page.locator('#invoices p.status.error').waitFor();
    for (let i = 0; i < 100 && !consoleWarnings.some((m) => m.startsWith('[aforo]')); i++) await page.waitForTimeout(20);
    const warnings = consoleWarnings.filter((m) => m.startsWith('[aforo]'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /bridge token was refused \(bridge_token_replayed\)\. Mint a fresh token for every page render/);
    const text = await page.locator('#invoices').evaluate((host) => host.shadowRoot?.textContent ?? '');
    assert.match(text, /We could not sign you in\. Reload the page to try again\./);
    assert.doesNotMatch(text, /bridge_token|https?:|Error/);
    await context.close();
  });
});
