import { admin, tenantPath } from '../api.js';
import { append, clear, field, h, table, when } from '../dom.js';
import { describe, type Page } from '../shell.js';
import type { AuditPage } from '../types.js';

const TYPES = ['', 'session.created', 'session.revoked', 'bridge.refused', 'embed_key.created', 'embed_key.updated', 'embed_key.revoked',
  'signing_key.minted', 'signing_key.registered', 'signing_key.promoted', 'signing_key.revoked', 'session.refreshed',
  'magic_link.requested', 'magic_link.redeemed', 'magic_link.refused', 'admin.unauthorized'];

function details(event: AuditPage['events'][number]): string {
  const { id: _id, type: _type, at: _at, ip: _ip, userAgent: _ua, ...rest } = event;
  return Object.entries(rest).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' · ');
}

export const auditPage: Page = {
  id: 'audit',
  title: 'Audit log',
  needsTenant: true,
  render(root, context) {
    const slug = context.tenant as string;
    const type = h('select', { id: 'audit-type' }, ...TYPES.map((t) => h('option', { value: t }, t || 'every type'))) as HTMLSelectElement;
    const since = h('input', { id: 'audit-since', type: 'datetime-local' }) as HTMLInputElement;
    const rows = h('div', { id: 'audit-rows' });
    const more = h('button', { type: 'button', id: 'audit-older', hidden: true }, 'Older events');
    let cursor: string | null = null;

    async function load(reset: boolean): Promise<void> {
      const query = new URLSearchParams({ limit: '50' });
      if (type.value) query.set('type', type.value);
      if (since.value) query.set('since', new Date(`${since.value}Z`).toISOString());
      if (!reset && cursor) query.set('cursor', cursor);
      const page = await admin<AuditPage>('GET', tenantPath(slug, `/audit?${query}`));
      if (reset) clear(rows);
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      append(rows, table(['When', 'Event', 'IP', 'Details'], page.events.map((e) => [
        document.createTextNode(when(e.at)), h('code', { class: 'event-type' }, e.type), document.createTextNode(e.ip ?? '—'), document.createTextNode(details(e)),
      ]), reset ? 'No events match.' : 'No older events.'));
    }
    const run = (reset: boolean) => void load(reset).catch((error) => context.notify(describe(error), 'error'));
    const form = h('form', { class: 'card form row-form' }, field('Type', type), field('Since (UTC)', since), h('button', { type: 'submit', class: 'primary' }, 'Filter'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(true);
    });
    more.addEventListener('click', () => run(false));
    append(root, form, h('p', { class: 'muted' }, 'Newest first. Emails are kept only as keyed hashes and tokens and secrets never, so none can appear here.'), rows, more);
    run(true);
  },
};
