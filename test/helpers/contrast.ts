/**
 * In-page checks of what a visitor sees: WCAG contrast of every visible text inside the widgets' shadow roots
 * against the background it is painted on, and horizontal overflow. Run through `page.evaluate`.
 */
import type { Page } from 'playwright-core';

export interface LowContrast {
  text: string;
  color: string;
  background: string;
  ratio: number;
}

/** Every visible text run inside `selector`'s shadow root whose contrast is under `minimum`. Disabled controls are exempt (WCAG 1.4.3). */
export function lowContrast(page: Page, selector: string, minimum = 4.5): Promise<LowContrast[]> {
  // A script string, not a function: the test transpiler wraps named inner functions in a helper the page lacks.
  return page.evaluate(String.raw`((selector, minimum) => {
    const parse = (value) => {
      const rgb = /^rgba?\(([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:[ ,/]+([\d.]+%?))?\)$/.exec(value);
      if (rgb) return [Number(rgb[1]) / 255, Number(rgb[2]) / 255, Number(rgb[3]) / 255, rgb[4] === undefined ? 1 : parseFloat(rgb[4]) / (rgb[4].endsWith('%') ? 100 : 1)];
      const srgb = /^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+%?))?\)$/.exec(value);
      if (srgb) return [Number(srgb[1]), Number(srgb[2]), Number(srgb[3]), srgb[4] === undefined ? 1 : parseFloat(srgb[4]) / (srgb[4].endsWith('%') ? 100 : 1)];
      return null;
    };
    const luminance = (c) => {
      const [r, g, b] = c.slice(0, 3).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const host = document.querySelector(selector);
    const root = host?.shadowRoot;
    if (!root) throw new Error('no shadow root at ' + selector);
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = (node.textContent ?? '').trim();
      const element = node.parentElement;
      if (!text || !element || element.closest('[hidden],.sr,thead.sr,button:disabled,style')) continue;
      const box = element.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      const color = parse(style.color);
      let background = null;
      let backgroundText = '';
      // The nearest painted background, crossing from the shadow tree into the page.
      for (let at = element; at; at = at.parentElement ?? (at.getRootNode().host ?? null)) {
        const value = getComputedStyle(at).backgroundColor;
        const parsed = parse(value);
        if (parsed && parsed[3] > 0.5) {
          background = parsed;
          backgroundText = value;
          break;
        }
      }
      if (!background) {
        // The page canvas: white, or the dark canvas of color-scheme: dark.
        const dark = matchMedia('(prefers-color-scheme: dark)').matches;
        background = dark ? [0.07, 0.07, 0.07, 1] : [1, 1, 1, 1];
        backgroundText = 'canvas';
      }
      if (!color) throw new Error('unparsed colour ' + style.color);
      const [a, b] = [luminance(color), luminance(background)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      if (ratio < minimum) out.push({ text: text.slice(0, 40), color: style.color, background: backgroundText, ratio: Math.round(ratio * 100) / 100 });
    }
    return out;
  })(${JSON.stringify(selector)}, ${minimum})`) as Promise<LowContrast[]>;
}

/** The page's and each widget's horizontal overflow: every entry must have scrollWidth <= clientWidth. */
export function overflow(page: Page, selectors: string[]): Promise<Array<{ where: string; scrollWidth: number; clientWidth: number }>> {
  return page.evaluate((selectors) => {
    const measured = [{ where: 'page', scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }];
    for (const selector of selectors) {
      const host = document.querySelector(selector);
      const panel = host?.shadowRoot?.querySelector('.w');
      if (host) measured.push({ where: selector, scrollWidth: host.scrollWidth, clientWidth: host.clientWidth });
      if (panel) measured.push({ where: `${selector} .w`, scrollWidth: panel.scrollWidth, clientWidth: panel.clientWidth });
    }
    return measured;
  }, selectors);
}
