/**
 * The frame of a widget that shows one signed-in customer's data: heading, "Signed in as" line, live region, and the
 * signed-out states of bridge and magic-link modes (SPEC sections 8 and 9). The widget fills `body` once signed in.
 */
import type { WidgetContext } from './context.js';
import { explain } from './diagnostics.js';
import { applyBrandColor, emit, h, liveRegion } from './dom.js';
import { ApiError } from './http.js';
import { fill } from './i18n.js';
import { continueButton, magicLinkForm } from './magic-link-form.js';
import { clearMagicToken, hasVerifier, pendingMagicToken, wasUsedHere } from './magic-token.js';
import type { Session } from './session.js';
import { loadConfig } from './tenant-config.js';

/** The engine's error code of a failed call, `internal` for anything else. */
export const codeOf = (error: unknown): string => (error instanceof ApiError ? error.code : 'internal');

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
  const { session, bridgeToken, magicLink } = options;
  // The shared magic-link form and "Continue" step speak of what this widget shows.
  const t = { ...ctx.t, signInEmail: copy.signInEmail, continueText: copy.continueText };
  const status = liveRegion();
  const body = h('div');
  const account = h('div', { class: 'account', hidden: '' });
  ctx.root.replaceChildren(h('section', { class: 'w', 'aria-label': copy.title }, h('header', { class: 'head' }, h('h2', null, copy.title), account), status, body));
  const showAccount = ctx.option('show-account') !== 'false';
  let signedIn = false;
  loadConfig(ctx.target).then((config) => ctx.signal.aborted || applyBrandColor(host, config.tenant.branding?.primaryColor), () => undefined);
  // Bumped on every new view and on sign-out, so a late answer never renders into a newer view.
  let view = 0;

  const say = (text: string, isError = false): void => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };
  const fail = (text: string, error: unknown, diagnose = true): void => {
    say(text, true);
    emit(host, widget, 'error', { code: codeOf(error) });
    if (diagnose) void explain(error, ctx.target, widget);
  };
  const shell: Shell = {
    body,
    say,
    fail,
    claim() {
      const mine = ++view;
      return () => mine === view && !ctx.signal.aborted;
    },
  };

  const exchangeLink = (token: string): void => {
    say(t.signingIn);
    session.exchangeMagicLink(token).catch((error: unknown) => {
      body.replaceChildren(form());
      fail(t.linkBad, error);
    });
  };

  const form = (): HTMLElement =>
    magicLinkForm(session, t, {
      say,
      onSent: () => emit(host, widget, 'magic-link-sent'),
      onError: (code) => {
        emit(host, widget, 'error', { code });
        if (code !== 'rate_limited' && code !== 'invalid_request') void explain(new ApiError(0, code), ctx.target, widget);
      },
    });

  async function landing(token: string): Promise<void> {
    if (hasVerifier()) return exchangeLink(token);
    // Reopened in the tab that already redeemed it: say so, instead of a "Continue" that can only fail.
    if (await wasUsedHere(token)) {
      clearMagicToken();
      if (await session.getSessionJwt()) return void say(t.linkUsedIn);
      body.replaceChildren(form());
      say(t.linkUsed, true);
      return;
    }
    body.replaceChildren(continueButton(t, () => exchangeLink(token)));
    say('');
  }

  function showSignedOut(): void {
    view++;
    account.hidden = true;
    account.replaceChildren();
    const token = magicLink ? pendingMagicToken() : null;
    if (token) {
      body.replaceChildren();
      void landing(token);
    } else if (magicLink) {
      body.replaceChildren(form());
      say(copy.signInEmail);
    } else {
      body.replaceChildren();
      say(copy.signIn);
    }
  }

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

  const signIn = (): void => {
    signedIn = true;
    showAccountLine();
    showSignedIn(shell);
  };

  const unsubscribe = session.onChange((nowSignedIn) => {
    if (!host.isConnected || ctx.signal.aborted) return void unsubscribe();
    if (nowSignedIn === signedIn) return;
    emit(host, widget, nowSignedIn ? 'signed-in' : 'signed-out');
    if (nowSignedIn) signIn();
    else {
      signedIn = false;
      showSignedOut();
    }
  });

  ctx.signal.addEventListener('abort', unsubscribe, { once: true });
  say(t.loading);
  // A magic-link page with no link to redeem first tries to resume this browser's session (SPEC section 9).
  const start = magicLink && !bridgeToken && !pendingMagicToken() ? session.resume() : session.getSessionJwt(bridgeToken ?? undefined);
  start.then(
    (jwt) => {
      if (signedIn || ctx.signal.aborted) return;
      if (jwt) signIn();
      else showSignedOut();
    },
    (error: unknown) => {
      // A refused token may be a stale page (a reload mints a new one); anything else is the embed's set-up.
      const code = codeOf(error);
      if (!signedIn) fail(/^(bridge_token|signing_key|session)_/.test(code) || code === 'rate_limited' ? t.startFailed : copy.down, error);
    },
  );
}
