import { call } from '../api.js';
import { append, clear, field, h } from '../dom.js';
import { describe, type Page } from '../shell.js';
import type { CheckAnswer } from '../types.js';

// What to do about each answer, in the words of someone who has seen it before.
const ADVICE: Record<string, string> = {
  ok: 'A widget given this token now would get a session. Checking it here spent nothing: its jti is still unused.',
  bridge_token_invalid: 'The token is malformed, its signature does not verify with that key, or a claim breaks a rule (lifetime over the maximum, iat in the future, missing jti or external_customer_id, aud other than aforo-bridge).',
  bridge_token_expired: 'exp is past, beyond the clock leeway. Mint tokens right before the page renders, and check your server clock.',
  bridge_token_replayed: 'This jti was already exchanged. Mint a fresh token per page view; never cache one.',
  signing_key_unknown: 'No key of this tenant has the kid in the header. Check the tenant and that the kid is one from the Auth Bridge page.',
  signing_key_revoked: 'The kid names a revoked key. Switch your backend to the ACTIVE key.',
};

function pretty(value: unknown): string {
  return value === null ? '(not decodable)' : JSON.stringify(value, null, 2);
}

export const checkerPage: Page = {
  id: 'checker',
  title: 'Token checker',
  needsTenant: true,
  render(root, context) {
    const token = h('textarea', { id: 'check-token', rows: 5, placeholder: 'eyJhbGciOi…', required: true, spellcheck: 'false', maxlength: 16384 }) as HTMLTextAreaElement;
    const out = h('div', { id: 'check-result' });
    const form = h('form', { class: 'card form' },
      h('p', { class: 'muted' }, `Paste a bridge token minted for ${context.tenant}. The answer is exactly what the exchange would say now; no session is created and the token stays usable.`),
      field('Bridge token', token),
      h('button', { type: 'submit', class: 'primary' }, 'Check token'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          const answer = await call<CheckAnswer>('POST', '/check-token', { tenant: context.tenant, bridgeToken: token.value.trim() });
          clear(out);
          const { clock } = answer;
          append(out,
            h('section', { class: `card verdict ${answer.answer.code === 'ok' ? 'verdict-ok' : 'verdict-refused'}` },
              h('h2', {}, answer.answer.code === 'ok' ? 'Accepted' : `Refused: ${answer.answer.status}`),
              h('p', {}, h('code', { id: 'check-code' }, answer.answer.code), ' — ', answer.answer.message),
              h('p', {}, ADVICE[answer.answer.code] ?? ''),
              h('p', { class: 'muted' }, `Engine time ${clock.engineTime}; leeway ${clock.leewaySeconds} s; longest lifetime ${clock.maxLifetimeSeconds} s`,
                clock.issuedSecondsAgo !== null ? `; issued ${clock.issuedSecondsAgo} s ago` : '',
                clock.expiresInSeconds !== null ? (clock.expiresInSeconds >= 0 ? `; expires in ${clock.expiresInSeconds} s` : `; expired ${-clock.expiresInSeconds} s ago`) : '')),
            h('div', { class: 'split' },
              h('section', { class: 'card' }, h('h2', {}, 'Header'), h('pre', { id: 'check-header' }, pretty(answer.header))),
              h('section', { class: 'card' }, h('h2', {}, 'Claims'), h('pre', { id: 'check-claims' }, pretty(answer.claims)))));
        } catch (error) {
          context.notify(describe(error), 'error');
        }
      })();
    });
    append(root, form, out);
  },
};
