/**
 * The signed-in / signed-out switch of a customer-scoped widget: it starts the session (bridge token, a returning
 * magic link, or resuming this browser's magic-link session), shows the sign-in message or the magic-link form while
 * signed out, and follows the page session's changes until the widget's `signal` aborts. Same flow as the invoice list.
 */
import type { WidgetContext } from './context.js';
import { explain } from './diagnostics.js';
import { emit } from './dom.js';
import { ApiError, codeOf } from './http.js';
import type { Messages } from './i18n.js';
import { continueButton, magicLinkForm } from './magic-link-form.js';
import { clearMagicToken, hasVerifier, pendingMagicToken, wasUsedHere } from './magic-token.js';
import type { Session } from './session.js';

export interface GateOptions {
  widget: string;
  session: Session;
  bridgeToken: string | null;
  magicLink: boolean;
  /** Where the form (or the "Continue" button) goes while signed out. */
  body: HTMLElement;
  /** This widget's copy: `signIn`, `signInEmail` and `continueText` name what signing in shows. */
  t: Messages;
  say(text: string, isError?: boolean): void;
  /** Said when the session could not start for a reason other than the token or the session. */
  down: string;
  signedIn(): void;
  signedOut(): void;
}

export function gateSession(ctx: WidgetContext, o: GateOptions): void {
  const { session, body, t, say } = o;
  let signedIn = false;
  const fail = (text: string, error: unknown): void => {
    say(text, true);
    emit(ctx.host, o.widget, 'error', { code: codeOf(error) });
    void explain(error, ctx.target, o.widget);
  };
  const form = (): HTMLElement =>
    magicLinkForm(session, t, {
      say,
      onSent: () => emit(ctx.host, o.widget, 'magic-link-sent'),
      onError: (code) => {
        emit(ctx.host, o.widget, 'error', { code });
        if (code !== 'rate_limited' && code !== 'invalid_request') void explain(new ApiError(0, code), ctx.target, o.widget);
      },
    });
  const exchangeLink = (token: string): void => {
    say(t.signingIn);
    session.exchangeMagicLink(token).catch((error: unknown) => {
      body.replaceChildren(form());
      fail(t.linkBad, error);
    });
  };

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
    o.signedOut();
    const token = o.magicLink ? pendingMagicToken() : null;
    body.replaceChildren();
    if (token) void landing(token);
    else if (o.magicLink) {
      body.replaceChildren(form());
      say(t.signInEmail);
    } else say(t.signIn);
  }

  const unsubscribe = session.onChange((now) => {
    if (!ctx.host.isConnected || ctx.signal.aborted) return void unsubscribe();
    if (now === signedIn) return;
    signedIn = now;
    emit(ctx.host, o.widget, now ? 'signed-in' : 'signed-out');
    if (now) o.signedIn();
    else showSignedOut();
  });
  ctx.signal.addEventListener('abort', unsubscribe, { once: true });

  // A magic-link page with no link to redeem first tries to resume this browser's session (SPEC section 9).
  const start = o.magicLink && !o.bridgeToken && !pendingMagicToken() ? session.resume() : session.getSessionJwt(o.bridgeToken ?? undefined);
  start.then(
    (jwt) => {
      if (signedIn || ctx.signal.aborted) return;
      if (jwt) {
        signedIn = true;
        o.signedIn();
      } else showSignedOut();
    },
    (error: unknown) => {
      // A refused token may be a stale page (a reload mints a new one); anything else is the embed's set-up.
      const code = codeOf(error);
      if (!signedIn && !ctx.signal.aborted) fail(/^(bridge_token|signing_key|session)_/.test(code) || code === 'rate_limited' ? t.startFailed : o.down, error);
    },
  );
}
