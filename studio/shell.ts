import { admin, call, setCsrf, StudioError } from './api.js';
import { append, clear, h } from './dom.js';
import type { PageContext, StudioSession, Tenant } from './types.js';

export interface Page {
  id: string;
  title: string;
  needsTenant: boolean;
  render(root: HTMLElement, context: PageContext): Promise<void> | void;
}

/** The message shown when an admin call is refused: the engine's own code and message, never a secret. */
export function describe(error: unknown): string {
  if (error instanceof StudioError) return `${error.code}: ${error.message}`;
  return 'the engine could not be reached; check that it is running';
}

/**
 * The studio frame: sign-in, the tenant picker, the navigation and the page area. Pages are chosen by the URL
 * hash (`#signing-keys`), so the browser's back button works and nothing but the page id is kept in the URL.
 */
export function startShell(root: HTMLElement, pages: Page[]): void {
  let tenants: Tenant[] = [];
  let tenant: string | null = null;
  let held: string | null = null;
  const notice = h('div', { class: 'notice', role: 'status', hidden: true });
  const main = h('main', { class: 'page' });
  const nav = h('nav', { class: 'nav', 'aria-label': 'Studio pages' });
  const picker = h('select', { id: 'tenant-picker', 'aria-label': 'Tenant' }) as HTMLSelectElement;

  const context = (): PageContext => ({
    tenant,
    tenants,
    notify(message, kind = 'ok') {
      notice.textContent = message;
      notice.className = `notice notice-${kind}`;
      notice.hidden = false;
    },
    hold(reason) {
      held = reason;
    },
    async reload(select) {
      await loadTenants(select);
      await show();
    },
  });

  async function loadTenants(select?: string): Promise<void> {
    tenants = (await admin<{ tenants: Tenant[] }>('GET', '/tenants')).tenants;
    const wanted = select ?? tenant ?? sessionPick();
    tenant = tenants.find((t) => t.slug === wanted)?.slug ?? tenants[0]?.slug ?? null;
    clear(picker);
    for (const t of tenants) append(picker, h('option', { value: t.slug, selected: t.slug === tenant }, `${t.name} (${t.slug})`));
    picker.disabled = tenants.length === 0;
  }

  // The selected tenant survives a reload through the URL's query, never through web storage.
  function sessionPick(): string | null {
    return new URLSearchParams(location.search).get('tenant');
  }

  function current(): Page {
    const id = location.hash.replace(/^#/, '') || 'tenants';
    return pages.find((p) => p.id === id) ?? pages[0];
  }

  async function show(): Promise<void> {
    const page = current();
    // Busy until the page has its data, so assistive technology (and a test) knows when it is complete.
    main.setAttribute('aria-busy', 'true');
    held = null;
    notice.hidden = true;
    for (const link of nav.querySelectorAll('a')) link.setAttribute('aria-current', link.getAttribute('href') === `#${page.id}` ? 'page' : 'false');
    clear(main);
    append(main, h('h1', {}, page.title));
    if (page.needsTenant && !tenant) {
      main.setAttribute('aria-busy', 'false');
      append(main, h('p', { class: 'empty' }, 'Create a tenant first: every page here works on one tenant.'), h('a', { href: '#tenants', class: 'button' }, 'Go to Tenants'));
      return;
    }
    const body = h('div', { class: 'page-body' });
    append(main, body);
    try {
      await page.render(body, context());
    } catch (error) {
      if (error instanceof StudioError && error.status === 401) return signedOut();
      context().notify(describe(error), 'error');
    } finally {
      main.setAttribute('aria-busy', 'false');
    }
  }

  let lastHash = location.hash;
  window.addEventListener('hashchange', () => {
    if (held && !window.confirm(`${held}\n\nLeave this page anyway? It will not be shown again.`)) {
      history.replaceState(null, '', lastHash || '#');
      return;
    }
    lastHash = location.hash;
    void show();
  });
  window.addEventListener('beforeunload', (event) => {
    if (held) event.preventDefault();
  });
  picker.addEventListener('change', () => {
    if (held && !window.confirm(`${held}\n\nSwitch tenant anyway?`)) {
      picker.value = tenant ?? '';
      return;
    }
    tenant = picker.value;
    history.replaceState(null, '', `?tenant=${encodeURIComponent(tenant)}${location.hash}`);
    void show();
  });

  async function signOut(): Promise<void> {
    if (held && !window.confirm(`${held}\n\nSign out anyway?`)) return;
    held = null;
    await call('POST', '/session/end').catch(() => undefined);
    setCsrf('');
    signedOut();
  }

  function signedOut(): void {
    clear(root);
    const input = h('input', { type: 'password', id: 'admin-token', name: 'admin-token', autocomplete: 'off', required: true, maxlength: 1024 }) as HTMLInputElement;
    const error = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'sign-in card' },
      h('h1', {}, 'Embed Studio'),
      h('p', {}, 'Sign in with the admin token of this engine. The token stays on the server side: the browser keeps only a short-lived studio session.'),
      h('label', { class: 'field' }, h('span', { class: 'label' }, 'Admin token'), input),
      error,
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          const session = await call<StudioSession>('POST', '/session', { adminToken: input.value });
          input.value = '';
          setCsrf(session.csrfToken);
          await signedIn();
        } catch (failure) {
          error.textContent = failure instanceof StudioError && failure.code === 'rate_limited'
            ? 'Too many wrong tokens from this address; wait a minute and try again.'
            : failure instanceof StudioError && failure.code === 'unauthorized' ? 'That is not the admin token of this engine.' : describe(failure);
          error.hidden = false;
        }
      })();
    });
    append(root, h('div', { class: 'sign-in-wrap' }, form));
    input.focus();
  }

  async function signedIn(): Promise<void> {
    clear(root);
    clear(nav);
    for (const page of pages) append(nav, h('a', { href: `#${page.id}` }, page.title));
    const header = h('header', { class: 'top' },
      h('span', { class: 'brand' }, 'Embed Studio'),
      h('span', { class: 'spacer' }),
      picker,
      h('button', { type: 'button', id: 'sign-out', onclick: () => void signOut() }, 'Sign out'));
    append(root, header, h('div', { class: 'frame' }, nav, h('div', { class: 'content' }, notice, main)));
    await loadTenants();
    await show();
  }

  void (async () => {
    try {
      const session = await call<StudioSession>('GET', '/session');
      setCsrf(session.csrfToken);
      await signedIn();
    } catch {
      signedOut();
    }
  })();
}
