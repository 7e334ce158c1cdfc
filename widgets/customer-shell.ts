/**
 * The frame of a widget that shows one signed-in customer's data: heading, "Signed in as" line, live region, and the
 * signed-out states of bridge and magic-link modes (SPEC sections 8 and 9). The widget fills `body` once signed in.
 */
import type { WidgetContext } from './context.js';
import { explain } from './diagnostics.js';
import { applyBrandColor, emit, h, liveRegion } from './dom.js';
import { fill } from './i18n.js';
import type { Session } from './session.js';
import { codeOf } from './http.js';
import { gateSession } from './sign-in-gate.js';
import { loadConfig } from './tenant-config.js';

export interface ShellOptions {
  session: Session;
  bridgeToken: string | null;
  magicLink: boolean;
}

/** The lines that name what the widget shows ("… to see your subscriptions"). */
export interface ShellCopy {
  title: string;
  signIn: string;
  signInEmail: string;
  continueText: string;
  /** Said when the session could not start for a reason other than a refused token. */
  down: string;
}

export interface Shell {
  body: HTMLElement;
  say(text: string, isError?: boolean): void;
  /** Says `text` as an error, emits `error` with the code and, with `diagnose`, explains it on the console. */
  fail(text: string, error: unknown, diagnose?: boolean): void;
  /** Starts a new view; the answer it returns is false once a newer view (or a sign-out) has begun. */
  claim(): () => boolean;
}

/** Renders the frame and its signed-out states, and calls `showSignedIn` on every sign-in (first load, magic link, resume). */
export function mountCustomerShell(ctx: WidgetContext, widget: string, options: ShellOptions, copy: ShellCopy, showSignedIn: (shell: Shell) => void): void {
  const { host } = ctx;
  const { session, magicLink } = options;
  // The shared magic-link form and "Continue" step speak of what this widget shows.
  const t = { ...ctx.t, signIn: copy.signIn, signInEmail: copy.signInEmail, continueText: copy.continueText };
  const status = liveRegion();
  const body = h('div');
  const account = h('div', { class: 'account', hidden: '' });
  ctx.root.replaceChildren(h('section', { class: 'w', 'aria-label': copy.title }, h('header', { class: 'head' }, h('h2', null, copy.title), account), status, body));
  const showAccount = ctx.option('show-account') !== 'false';
  loadConfig(ctx.target).then((config) => ctx.signal.aborted || applyBrandColor(host, config.tenant.branding?.primaryColor), () => undefined);
  // Bumped on every new view, on sign-out and on unmount, so a late answer never renders into a newer view.
  let view = 0;
  ctx.signal.addEventListener('abort', () => view++, { once: true });

  const say = (text: string, isError = false): void => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };
  const shell: Shell = {
    body,
    say,
    fail(text, error, diagnose = true) {
      say(text, true);
      emit(host, widget, 'error', { code: codeOf(error) });
      if (diagnose) void explain(error, ctx.target, widget);
    },
    claim() {
      const mine = ++view;
      return () => mine === view && !ctx.signal.aborted;
    },
  };

  function showAccountLine(): void {
    const who = session.customer();
    const name = who?.name || who?.email;
    account.replaceChildren();
    if (showAccount && name) account.append(h('span', { class: 'who' }, fill(t.signedInAs, { who: name })));
    // Magic-link sessions have no portal sign-out of their own; bridge sessions end with the portal's.
    if (magicLink) {
      const signOut = h('button', { type: 'button', class: 'link' }, t.signOut);
      signOut.addEventListener('click', () => void session.destroy());
      account.append(signOut);
    }
    account.hidden = account.childElementCount === 0;
  }

  say(t.loading);
  gateSession(ctx, {
    ...options, widget, body, t, say, down: copy.down,
    signedIn() {
      showAccountLine();
      showSignedIn(shell);
    },
    signedOut() {
      view++;
      account.hidden = true;
      account.replaceChildren();
    },
  });
}
