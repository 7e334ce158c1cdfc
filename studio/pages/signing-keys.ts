import { admin, StudioError, tenantPath } from '../api.js';
import { append, badge, clear, field, h, table, when } from '../dom.js';
import { describe, type Page } from '../shell.js';
import type { AuditPage, PageContext, SigningKey } from '../types.js';

/** When each key last started a session, from the audit trail's `session.created` rows (newest first). */
async function lastUse(slug: string): Promise<Map<string, string>> {
  const page = await admin<AuditPage>('GET', tenantPath(slug, '/audit?type=session.created&limit=500'));
  const seen = new Map<string, string>();
  for (const event of page.events) {
    const kid = (event as Record<string, unknown>).kid;
    if (typeof kid === 'string' && !seen.has(kid)) seen.set(kid, event.at);
  }
  return seen;
}

/**
 * The secret or private key of a key just minted, shown once. The page holds navigation until the operator
 * confirms it is stored; then the node is removed and nothing keeps the value (it was never in web storage).
 */
function showOnce(root: HTMLElement, context: PageContext, minted: SigningKey, done: () => void): void {
  const secret = minted.secret ?? minted.privateKeyPem ?? '';
  const what = minted.secret ? 'secret' : 'private key';
  context.hold(`The ${what} of ${minted.kid} is on screen and will not be shown again.`);
  const value = h('textarea', { class: 'secret', id: 'minted-secret', readonly: true, rows: minted.secret ? 2 : 8, 'aria-label': `The ${what}` }, secret) as HTMLTextAreaElement;
  const copied = h('span', { class: 'muted', role: 'status' });
  const stored = h('input', { type: 'checkbox', id: 'stored-it' }) as HTMLInputElement;
  const finish = h('button', { type: 'button', class: 'primary', id: 'secret-done', disabled: true }, 'Done') as HTMLButtonElement;
  stored.addEventListener('change', () => { finish.disabled = !stored.checked; });
  const panel = h('section', { class: 'card once', id: 'secret-once', role: 'dialog', 'aria-label': 'New signing key' },
    h('h2', {}, `New ${minted.alg} key ${minted.kid}`),
    h('p', { class: 'warn' }, `Copy the ${what} into your secret manager now. ${minted.secret ? 'The engine keeps it (encrypted when it has a master key) and' : 'The engine keeps only the public key and'} never shows it again.`),
    value,
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'copy-secret', onclick: () => void navigator.clipboard.writeText(secret).then(() => { copied.textContent = 'Copied.'; }, () => { copied.textContent = 'Copy failed; select the text and copy it by hand.'; }) }, 'Copy'),
      copied),
    minted.publicKeyPem && minted.privateKeyPem ? h('details', {}, h('summary', {}, 'Public key'), h('pre', {}, minted.publicKeyPem)) : null,
    h('p', {}, `The key is NEXT: it verifies tokens now. Promote it to ACTIVE once your backend signs with it.`),
    h('label', { class: 'check' }, stored, ` I stored the ${what}`),
    finish);
  finish.addEventListener('click', () => {
    value.value = '';
    panel.remove();
    context.hold(null);
    done();
  });
  root.prepend(panel);
  value.select();
}

function revokeDialog(root: HTMLElement, context: PageContext, slug: string, key: SigningKey, after: () => void): void {
  const endSessions = h('input', { type: 'checkbox', id: 'end-sessions' }) as HTMLInputElement;
  const force = h('input', { type: 'checkbox', id: 'force-revoke' }) as HTMLInputElement;
  const forceRow = h('label', { class: 'check', hidden: true }, force, ' Revoke it anyway: no key will verify bridge tokens');
  const message = h('p', { class: 'notice notice-error', hidden: true, role: 'alert' });
  const dialog = h('section', { class: 'card once', id: 'revoke-dialog', role: 'dialog', 'aria-label': `Revoke ${key.kid}` },
    h('h2', {}, `Revoke ${key.kid}?`),
    h('p', {}, 'A revoked key never verifies again. Tokens your backend signs with it are refused with signing_key_revoked.'),
    h('label', { class: 'check' }, endSessions, ' End its sessions: sign out every customer whose session this key started'),
    forceRow, message,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'danger', id: 'confirm-revoke', onclick: () => void (async () => {
        try {
          const answer = await admin<SigningKey>('POST', tenantPath(slug, `/signing-keys/${encodeURIComponent(key.kid)}/revoke`), {
            endSessions: endSessions.checked, ...(force.checked ? { force: true } : {}),
          });
          dialog.remove();
          after();
          context.notify(`${key.kid} revoked${answer.sessionsEnded ? `; ${answer.sessionsEnded} session(s) ended` : ''}.`);
        } catch (error) {
          if (error instanceof StudioError && error.code === 'conflict') forceRow.hidden = false;
          message.textContent = describe(error);
          message.hidden = false;
        }
      })() }, 'Revoke'),
      h('button', { type: 'button', onclick: () => dialog.remove() }, 'Cancel')));
  root.querySelector('#revoke-dialog')?.remove();
  root.prepend(dialog);
}

export const signingKeysPage: Page = {
  id: 'signing-keys',
  title: 'Auth Bridge',
  needsTenant: true,
  async render(root, context) {
    const slug = context.tenant as string;
    const list = h('div', {});
    const draw = async () => {
      const [{ signingKeys }, used] = await Promise.all([admin<{ signingKeys: SigningKey[] }>('GET', tenantPath(slug, '/signing-keys')), lastUse(slug)]);
      clear(list);
      append(list, table(['Kid', 'Alg', 'State', 'Created', 'Last session', ''], signingKeys.map((key) => [
        h('code', { class: 'kid' }, key.kid), document.createTextNode(key.alg), badge(key.status),
        document.createTextNode(when(key.createdAt)), document.createTextNode(when(used.get(key.kid))),
        h('div', { class: 'actions' },
          key.status === 'NEXT' ? h('button', { type: 'button', class: 'promote', onclick: () => void (async () => {
            try {
              await admin('POST', tenantPath(slug, `/signing-keys/${encodeURIComponent(key.kid)}/promote`));
              await draw();
              context.notify(`${key.kid} is ACTIVE; the previous ACTIVE key is RETIRING and still verifies until you revoke it.`);
            } catch (error) {
              context.notify(describe(error), 'error');
            }
          })() }, 'Promote to ACTIVE') : null,
          key.status !== 'REVOKED' ? h('button', { type: 'button', class: 'danger revoke', onclick: () => revokeDialog(root, context, slug, key, () => void draw()) }, 'Revoke…') : null),
      ]), 'No signing keys yet. Mint one: your backend signs bridge tokens with it.'));
    };
    await draw();

    const alg = h('select', { id: 'mint-alg' }, ...['HS256', 'RS256', 'ES256', 'EdDSA'].map((a) => h('option', { value: a }, a))) as HTMLSelectElement;
    const mint = h('form', { class: 'card form', id: 'mint-key' }, h('h2', {}, 'Mint a new signing key'),
      field('Algorithm', alg, 'HS256: a shared secret. RS256, ES256, EdDSA: a key pair; the engine keeps only the public key.'),
      h('button', { type: 'submit', class: 'primary' }, 'Mint a new signing key'));
    mint.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          const minted = await admin<SigningKey>('POST', tenantPath(slug, '/signing-keys'), { alg: alg.value });
          showOnce(root, context, minted, () => void draw());
          await draw();
        } catch (error) {
          context.notify(describe(error), 'error');
        }
      })();
    });

    const pubAlg = h('select', { id: 'register-alg' }, ...['RS256', 'ES256', 'EdDSA'].map((a) => h('option', { value: a }, a))) as HTMLSelectElement;
    const pem = h('textarea', { id: 'register-pem', rows: 6, placeholder: '-----BEGIN PUBLIC KEY-----', required: true }) as HTMLTextAreaElement;
    const register = h('form', { class: 'card form', id: 'register-key' }, h('h2', {}, 'Register a public key'),
      h('p', { class: 'muted' }, 'Generate the key pair yourself; the private key never leaves your systems.'),
      field('Algorithm', pubAlg), field('Public key (PEM)', pem),
      h('button', { type: 'submit' }, 'Register public key'));
    register.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          const key = await admin<SigningKey>('POST', tenantPath(slug, '/signing-keys'), { alg: pubAlg.value, publicKeyPem: pem.value });
          pem.value = '';
          await draw();
          context.notify(`${key.kid} registered as NEXT.`);
        } catch (error) {
          context.notify(describe(error), 'error');
        }
      })();
    });
    append(root, list, h('div', { class: 'split' }, mint, register));
  },
};
