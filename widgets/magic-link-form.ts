/** The email sign-in form, its "Check your inbox" state, and the one-click "Continue" of a returning magic link. */
import { h } from './dom.js';
import { isEmailAddress } from './email.js';
import { codeOf } from './http.js';
import { fill, type Messages } from './i18n.js';
import type { Session } from './session.js';

/** Seconds before the same address may ask again; the engine's own caps stay silent (no enumeration). */
export const RESEND_COOLDOWN = 60;

export interface MagicLinkHandlers {
  /** Says something in the widget's live region. */
  say(text: string, isError?: boolean): void;
  onSent(): void;
  onError(code: string): void;
}

/** The form; after a send it turns into the "Check your inbox" panel in place. */
export function magicLinkForm(session: Session, t: Messages, handlers: MagicLinkHandlers): HTMLElement {
  const panel = h('div', { class: 'signin' });
  const input = h('input', { type: 'email', name: 'email', required: '', autocomplete: 'email', 'aria-describedby': 'aforo-email-error' });
  const problem = h('p', { class: 'field-error', id: 'aforo-email-error' });
  const button = h('button', { type: 'submit', class: 'primary' }, t.send);
  const form = h('form', { 'aria-label': t.send, novalidate: '' }, h('label', null, t.email, input), button, problem);

  const request = async (email: string): Promise<boolean> => {
    try {
      await session.requestMagicLink(email);
      return true;
    } catch (error) {
      const code = codeOf(error);
      handlers.say(code === 'rate_limited' ? t.tooMany : code === 'invalid_request' ? t.badEmail : t.sendFailed, true);
      handlers.onError(code);
      return false;
    }
  };

  const showForm = (): void => {
    panel.replaceChildren(form);
    button.disabled = false;
    handlers.say(t.signInEmail);
    input.focus();
  };

  const showSent = (email: string): void => {
    const resend = h('button', { type: 'button', class: 'resend' }, t.resend);
    const another = h('button', { type: 'button', class: 'link' }, t.another);
    let timer: ReturnType<typeof setInterval> | undefined;
    const cooldown = (): void => {
      let left = RESEND_COOLDOWN;
      resend.disabled = true;
      resend.textContent = fill(t.resendIn, { n: left });
      clearInterval(timer);
      timer = setInterval(() => {
        left -= 1;
        if (left > 0) return void (resend.textContent = fill(t.resendIn, { n: left }));
        clearInterval(timer);
        resend.disabled = false;
        resend.textContent = t.resend;
      }, 1000);
    };
    resend.addEventListener('click', () => {
      resend.disabled = true;
      void request(email).then((sent) => {
        if (sent) {
          handlers.say(fill(t.resent, { email }));
          handlers.onSent();
        }
        cooldown();
      });
    });
    another.addEventListener('click', () => {
      clearInterval(timer);
      input.value = '';
      showForm();
    });
    panel.replaceChildren(h('div', { class: 'sent' },
      h('p', { class: 'lead' }, fill(t.sentTo, { email })),
      h('p', { class: 'hint' }, t.sentHint),
      h('div', { class: 'actions' }, resend, another)));
    handlers.say(t.inbox);
    cooldown();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = input.value.trim();
    if (!isEmailAddress(email)) {
      problem.textContent = t.badEmail;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    problem.textContent = '';
    input.removeAttribute('aria-invalid');
    button.disabled = true;
    void request(email).then((sent) => {
      button.disabled = false;
      if (!sent) return;
      showSent(email);
      handlers.onSent();
    });
  });
  panel.append(form);
  return panel;
}

/** Shown when the link was opened in a browser that did not ask for it: nothing is exchanged before the click. */
export function continueButton(t: Messages, onClick: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'primary' }, t.continue);
  button.addEventListener('click', () => {
    button.disabled = true;
    onClick();
  });
  return h('div', null, h('p', null, t.continueText), button);
}
