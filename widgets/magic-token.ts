/**
 * The magic-link token on the way back from the mail: taken out of the address bar before anything else
 * runs, so neither the page's own scripts, analytics, `document.referrer` of the next page nor a reload
 * sees it again.
 */

const PARAM = 'aforo_magic_token';
const VERIFIER_KEY = 'aforo_magic_verifier';
const USED_KEY = 'aforo_magic_used';

let captured: string | null = null;

/** Removes `aforo_magic_token` from the URL with `history.replaceState` and keeps it in memory. Synchronous. */
export function captureMagicToken(): void {
  const search = location.search.slice(1);
  if (!search) return;
  let token: string | null = null;
  // Other parameters are kept byte for byte; URLSearchParams would re-encode them.
  const kept = search.split('&').filter((part) => {
    if (!part.startsWith(PARAM + '=')) return true;
    try {
      token = decodeURIComponent(part.slice(PARAM.length + 1));
    } catch {
      token = null;
    }
    return false;
  });
  if (kept.length === search.split('&').length) return;
  history.replaceState(history.state, '', location.pathname + (kept.length ? '?' + kept.join('&') : '') + location.hash);
  captured = token || null;
}

/** The token captured at load, until it is exchanged or the session is destroyed. */
export function pendingMagicToken(): string | null {
  return captured;
}

export function clearMagicToken(): void {
  captured = null;
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * Marks this tab as the one that asked for a link. It is a random marker and never a credential: a link opened
 * where it is absent (another browser, a mail scanner running scripts) waits for a click instead of exchanging.
 */
export function storeVerifier(): void {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  try {
    storage()?.setItem(VERIFIER_KEY, Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
  } catch {
    // Without storage every returning link simply asks for the one click.
  }
}

export function hasVerifier(): boolean {
  return !!storage()?.getItem(VERIFIER_KEY);
}

export function dropVerifier(): void {
  storage()?.removeItem(VERIFIER_KEY);
}

// A fingerprint of a spent token: SHA-256, cut to 128 bits. The token is one-time and already redeemed when this is
// written, so the fingerprint opens nothing; it only lets the landing say "already used here".
async function fingerprint(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Remembers, for this tab, that `token` was redeemed here. */
export async function markUsed(token: string): Promise<void> {
  try {
    storage()?.setItem(USED_KEY, await fingerprint(token));
  } catch {
    // Without storage a reopened link is reported as invalid, which it is.
  }
}

/** Whether `token` is the one this tab redeemed last. */
export async function wasUsedHere(token: string): Promise<boolean> {
  const used = storage()?.getItem(USED_KEY);
  try {
    return !!used && used === (await fingerprint(token));
  } catch {
    return false;
  }
}
