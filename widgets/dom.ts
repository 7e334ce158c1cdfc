/**
 * DOM building without markup strings: server data only ever reaches the page through textContent and
 * setAttribute, so nothing it contains is parsed as HTML, and no inline style attribute is ever written
 * (a strict CSP without `unsafe-inline` stays intact).
 */
import { STYLES } from './styles.js';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | false | undefined> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) if (value !== false && value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

let sheet: CSSStyleSheet | null = null;

/** Opens the widget's shadow root with the shared constructed stylesheet (CSSOM, which CSP style-src permits). */
export function openShadow(host: HTMLElement): ShadowRoot {
  let root: ShadowRoot;
  try {
    root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  } catch {
    // Elements such as <ul> or <a> cannot host a shadow root; a wrapper inside them can.
    const wrapper = host.appendChild(document.createElement('div'));
    root = wrapper.attachShadow({ mode: 'open' });
  }
  if ('adoptedStyleSheets' in Document.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
    }
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(h('style', null, STYLES));
  }
  return root;
}

/**
 * Applies the tenant's colour through a custom property on the host (CSSOM, allowed under a strict CSP). It is
 * `--aforo-brand`, below `--aforo-primary`, so a page that sets `--aforo-primary` in its own CSS still wins.
 */
export function applyBrandColor(host: HTMLElement, color: string | undefined): void {
  if (color && CSS.supports('color', color)) host.style.setProperty('--aforo-brand', color);
}

/**
 * Dispatches `aforo.<widget>.<name>` on the element and on window. Callers put only ids, codes and counts in
 * `detail`, never an email, a token or a customer id.
 */
export function emit(host: Element, widget: string, name: string, detail: Record<string, string | number> = {}): boolean {
  const type = `aforo.${widget}.${name}`;
  // Cancelable, so that a page can take over what the widget would do next (`preventDefault()` on either target).
  const onHost = host.dispatchEvent(new CustomEvent(type, { detail: { ...detail }, cancelable: true }));
  const onWindow = window.dispatchEvent(new CustomEvent(type, { detail: { ...detail }, cancelable: true }));
  return onHost && onWindow;
}

/** A polite live region: screen readers announce loading, empty, error and sign-in changes. */
export function liveRegion(): HTMLElement {
  return h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Accepts only https links (and, with `loopback`, http on localhost), so neither a `javascript:` URL nor a
 * plain-http payment page can become a link.
 */
export function safeUrl(value: string | null | undefined, loopback = false): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (loopback && url.protocol === 'http:' && LOOPBACK.includes(url.hostname)) ? url.href : null;
  } catch {
    return null;
  }
}
