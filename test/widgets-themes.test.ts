import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cspViolations, chromiumPages, screenshot, startWidgetWorld, type WidgetWorld } from './helpers/browser.js';
import { lowContrast, overflow } from './helpers/contrast.js';

const WIDGETS = ['#pricing', '#invoices'];

describe('themes and widths in Chromium: light and dark, 1280 and 390 px', () => {
  let world: WidgetWorld;
  const pages = chromiumPages();

  before(async () => {
    world = await startWidgetWorld();
  });
  after(async () => {
    await pages.close();
    await world.close();
  });

  // `auto` follows the visitor's colour scheme; an explicit theme wins over it.
  const cases = [
    { scheme: 'light', theme: 'auto', expect: 'light' },
    { scheme: 'dark', theme: 'auto', expect: 'dark' },
    { scheme: 'light', theme: 'dark', expect: 'dark' },
    { scheme: 'dark', theme: 'light', expect: 'light' },
  ] as const;
  for (const { scheme, theme, expect } of cases) {
    for (const width of [1280, 390]) {
      test(`${scheme} scheme, data-aforo-theme="${theme}", ${width} px: no horizontal overflow, contrast >= 4.5:1`, async (t) => {
        const opened = await pages.open(t, { locale: 'en-US', timezoneId: 'UTC', colorScheme: scheme, viewport: { width, height: 900 } });
        if (!opened) return;
        const { context, page, consoleErrors } = opened;
        await page.goto(world.pageUrl('showcase', { theme }));
        await page.locator('#invoices tbody tr').first().waitFor();
        await page.locator('#pricing ul.offerings > li').first().waitFor();

        const background = await page.locator('#invoices').evaluate((host) => getComputedStyle(host.shadowRoot?.querySelector('.w') as Element).backgroundColor);
        assert.equal(background, expect === 'dark' ? 'rgb(17, 24, 39)' : 'rgb(255, 255, 255)');

        for (const measured of await overflow(page, WIDGETS)) {
          assert.ok(measured.scrollWidth <= measured.clientWidth, `${measured.where} overflows: ${measured.scrollWidth} > ${measured.clientWidth}`);
        }
        for (const selector of WIDGETS) assert.deepEqual(await lowContrast(page, selector), [], `${selector} in ${expect}`);
        // The Pay button and the selected filter chip are text on the accent.
        const pay = page.locator('#invoices a.pay').first();
        assert.equal(await pay.isVisible(), true);

        if (width === 390) {
          // Stacked: one column, the header row hidden, each row a block whose dates stay on one line.
          const row = page.locator('#invoices tbody tr').first();
          assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), 'grid');
          const lineHeight = await row.locator('td.date').first().evaluate((td) => parseFloat(getComputedStyle(td).lineHeight));
          const dateHeight = await row.locator('td.date').first().evaluate((td) => td.getBoundingClientRect().height);
          assert.ok(dateHeight < lineHeight * 1.8, `a date wraps: ${dateHeight}px for a ${lineHeight}px line`);
        } else {
          assert.equal(await page.locator('#invoices tbody tr').first().evaluate((tr) => getComputedStyle(tr).display), 'table-row');
        }
        await screenshot(page, `showcase-${expect}-${theme === 'auto' ? 'auto' : 'forced'}-${width}`);
        assert.deepEqual(await cspViolations(page), []);
        assert.deepEqual(consoleErrors, []);
        await context.close();
      });
    }
  }

  test('a yearly view and the magic-link form keep contrast in dark', async (t) => {
    const opened = await pages.open(t, { locale: 'en-US', colorScheme: 'dark', viewport: { width: 390, height: 800 } });
    if (!opened) return;
    const { context, page } = opened;
    await page.goto(world.pageUrl('showcase'));
    await page.locator('#pricing .switch button', { hasText: 'Yearly' }).click();
    assert.deepEqual(await lowContrast(page, '#pricing'), []);
    await page.goto(world.pageUrl('magic'));
    await page.locator('#invoices input[type="email"]').waitFor();
    await page.locator('#invoices input[type="email"]').fill('alice@example');
    await page.locator('#invoices button[type="submit"]').click();
    await page.locator('#invoices .field-error').waitFor();
    assert.deepEqual(await lowContrast(page, '#invoices'), []);
    for (const measured of await overflow(page, ['#invoices'])) assert.ok(measured.scrollWidth <= measured.clientWidth, measured.where);
    await screenshot(page, 'magic-link-dark-390');
    await context.close();
  });
});
