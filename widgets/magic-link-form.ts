/** The email sign-in form and the one-click "Continue" of a returning magic link. */
import { h } from './dom.js';
import { ApiError } from './http.js';
import type { Session } from './session.js';

export interface MagicLinkHandlers {
  onSent(): void;
  onError(code: string): void;
}

export function magicLinkForm(session: Session, handlers: MagicLinkHandlers): HTMLFormElement {
  const input = h('input', { type: 'email', name: 'email', required: '', autocomplete: 'email' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Email me a sign-in link');
  const form = h('form', { 'aria-label': 'Sign in by email' }, h('label', null, 'Email address', input), button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.checkValidity()) {
      input.reportValidity();
      return;
    }
    button.disabled = true;
    session.requestMagicLink(input.value.trim()).then(
      () => handlers.onSent(),
      (error: unknown) => {
        button.disabled = false;
        handlers.onError(error instanceof ApiError ? error.code : 'internal');
      },
    );
  });
  return form;
}

/** Shown when the link was opened in a browser that did not ask for it: nothing is exchanged before the click. */
export function continueButton(onClick: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'primary' }, 'Continue');
  button.addEventListener('click', () => {
    button.disabled = true;
    onClick();
  });
  return h('div', null, h('p', null, 'Continue to sign in and see your invoices.'), button);
}
