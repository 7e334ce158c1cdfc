import { admin, tenantPath } from '../api.js';
import { append, badge, field, h, table, when } from '../dom.js';
import { describe, type Page } from '../shell.js';
import type { EmbedKey } from '../types.js';

const lines = (text: string): string[] => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

export const embedKeysPage: Page = {
  id: 'embed-keys',
  title: 'Embed keys',
  needsTenant: true,
  async render(root, context) {
    const slug = context.tenant as string;
    const { embedKeys } = await admin<{ embedKeys: EmbedKey[] }>('GET', tenantPath(slug, '/embed-keys'));
    const act = (work: () => Promise<unknown>, done: string) => void (async () => {
      try {
        await work();
        await context.reload();
        context.notify(done);
      } catch (error) {
        context.notify(describe(error), 'error');
      }
    })();

    append(root, table(['Key', 'Mode', 'Allowed origins', 'Status', 'Created', ''], embedKeys.map((key) => {
      const editor = h('textarea', { rows: Math.max(2, key.allowedOrigins.length), 'aria-label': `Allowed origins of ${key.id}`, class: 'origins' }, key.allowedOrigins.join('\n')) as HTMLTextAreaElement;
      const actions = key.status === 'ACTIVE' ? h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => act(() => admin('PATCH', tenantPath(slug, `/embed-keys/${encodeURIComponent(key.id)}`), { allowedOrigins: lines(editor.value) }), `Allowlist of ${key.id} saved.`) }, 'Save allowlist'),
        h('button', { type: 'button', class: 'danger', onclick: () => {
          if (window.confirm(`Revoke ${key.id}? Every widget using it stops working at once, and this cannot be undone.`)) {
            act(() => admin('POST', tenantPath(slug, `/embed-keys/${encodeURIComponent(key.id)}/revoke`)), `${key.id} revoked.`);
          }
        } }, 'Revoke…')) : h('span', { class: 'muted' }, '—');
      if (key.status !== 'ACTIVE') editor.disabled = true;
      return [h('code', { class: 'embed-key-id' }, key.id), document.createTextNode(key.mode), editor, badge(key.status), document.createTextNode(when(key.createdAt)), actions];
    }), 'No embed keys yet. A widget needs one, with the origins of the pages it runs on.'));

    const origins = h('textarea', { id: 'new-origins', rows: 3, placeholder: 'https://www.example.com\nhttp://localhost:3000', required: true }) as HTMLTextAreaElement;
    const mode = h('select', { id: 'new-mode' }, h('option', { value: 'live' }, 'live'), h('option', { value: 'test' }, 'test')) as HTMLSelectElement;
    const form = h('form', { class: 'card form', id: 'create-embed-key' }, h('h2', {}, 'Create an embed key'),
      field('Allowed origins', origins, 'One per line: scheme://host[:port], no path. https only, except localhost, 127.0.0.1 and [::1].'),
      field('Mode', mode),
      h('button', { type: 'submit', class: 'primary' }, 'Create embed key'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      act(() => admin('POST', tenantPath(slug, '/embed-keys'), { allowedOrigins: lines(origins.value), mode: mode.value }), 'Embed key created.');
    });
    append(root, form);
  },
};
