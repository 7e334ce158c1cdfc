import { admin } from '../api.js';
import { append, clear, field, h, table, when } from '../dom.js';
import { describe, type Page } from '../shell.js';
import type { Tenant } from '../types.js';

function preview(name: string, color: string, logoUrl: string): HTMLElement {
  const safeColor = /^#[0-9a-fA-F]{3,8}$/.test(color) ? color : '#4f46e5';
  const logo = /^https:\/\/\S+$/.test(logoUrl) ? h('img', { src: logoUrl, alt: '', class: 'preview-logo', referrerpolicy: 'no-referrer' }) : h('span', { class: 'preview-logo placeholder' }, (name || 'T').slice(0, 1).toUpperCase());
  const button = h('button', { type: 'button', class: 'preview-button', tabindex: -1 }, 'Subscribe');
  // A CSSOM property, not a style attribute: the CSP allows no inline style markup.
  button.style.setProperty('background', safeColor);
  const swatch = h('span', { class: 'swatch' });
  swatch.style.setProperty('background', safeColor);
  return h('div', { class: 'preview card', 'aria-label': 'Branding preview' },
    h('div', { class: 'preview-head' }, logo, h('strong', {}, name || 'Your company')),
    h('p', { class: 'muted' }, 'This is how widgets and sign-in mails carry your brand.'),
    h('div', { class: 'row' }, swatch, h('code', {}, safeColor)), button);
}

export const tenantsPage: Page = {
  id: 'tenants',
  title: 'Tenants',
  needsTenant: false,
  render(root, context) {
    append(root, table(['Name', 'Slug', 'Colour', 'Mail sender', 'Sign-up', 'Created'], context.tenants.map((t: Tenant) => {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.setProperty('background', t.branding.primaryColor ?? 'transparent');
      return [h('strong', {}, t.name), h('code', {}, t.slug), h('span', { class: 'row' }, swatch, t.branding.primaryColor ?? 'default'),
        document.createTextNode(t.magicLink.from ?? 'engine default'), document.createTextNode(t.magicLink.allowSignup === undefined ? 'engine default' : t.magicLink.allowSignup ? 'on' : 'off'),
        document.createTextNode(when(t.createdAt))];
    }), 'No tenants yet. Create the first one below.'));

    const input = (name: string, attrs: Record<string, string | number | boolean> = {}) => h('input', { name, id: `tenant-${name}`, ...attrs }) as HTMLInputElement;
    const slug = input('slug', { required: true, pattern: '[a-z0-9][a-z0-9\\-]{1,62}', maxlength: 63, placeholder: 'acme' });
    const name = input('name', { required: true, maxlength: 200, placeholder: 'Acme Inc.' });
    const color = input('color', { type: 'color', value: '#4f46e5' });
    const logo = input('logo', { type: 'url', maxlength: 2048, placeholder: 'https://cdn.example.com/logo.png' });
    const from = input('from', { type: 'email', maxlength: 254, placeholder: 'billing@example.com' });
    const signup = input('signup', { type: 'checkbox' });
    const live = h('div', { class: 'preview-slot' });
    const refresh = () => {
      clear(live);
      append(live, preview(name.value, color.value, logo.value));
    };
    for (const control of [name, color, logo]) control.addEventListener('input', refresh);
    refresh();
    const form = h('form', { class: 'card form', id: 'create-tenant' },
      h('h2', {}, 'Create a tenant'),
      h('div', { class: 'split' },
        h('div', {},
          field('Slug', slug, 'Lower-case letters, digits and dashes; it goes into every embed snippet.'),
          field('Name', name),
          field('Primary colour', color),
          field('Logo URL', logo, 'https only. Shown in widgets and sign-in mails.'),
          field('Magic-link sender', from, 'The From address of sign-in mails; empty uses the engine default.'),
          h('label', { class: 'check' }, signup, ' Let unknown emails sign up by magic link')),
        live),
      h('button', { type: 'submit', class: 'primary' }, 'Create tenant'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          const created = await admin<Tenant>('POST', '/tenants', {
            slug: slug.value, name: name.value,
            branding: { primaryColor: color.value, ...(logo.value ? { logoUrl: logo.value } : {}) },
            magicLink: { ...(from.value ? { from: from.value } : {}), allowSignup: signup.checked },
          });
          await context.reload(created.slug);
          context.notify(`Tenant ${created.slug} created.`);
        } catch (error) {
          context.notify(describe(error), 'error');
        }
      })();
    });
    append(root, form, h('p', { class: 'muted' }, 'Branding and the sender are set when the tenant is created; the admin API has no call to change them yet.'));
  },
};
