/**
 * Messages for the developer who embeds the widgets: every failure a misconfiguration causes logs one
 * `console.warn('[aforo] …')` naming the likely cause and the fix, while the customer sees a short neutral line.
 * Nothing logged here is personal: tenant slugs, embed keys (public by design), origins and URLs of the engine.
 */
import { codeOf, type ApiTarget } from './http.js';

const said = new Set<string>();

/** Logs `[aforo] <message>` once per page, however many widgets hit the same problem. */
export function warn(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  console.warn('[aforo] ' + message);
}

const allowHint = (target: ApiTarget): string =>
  `add it with \`aforo-bridge embed-keys allow <key id> --tenant ${target.tenant} --origin ${location.origin}\` ` +
  `(or PATCH {prefix}/v1/admin/tenants/${target.tenant}/embed-keys/<key id>)`;

/**
 * Explains a failed widget call. A refusal of an origin that no embed key allows carries no CORS headers, so the
 * browser reports it as a network error; the bundle's `sri.json` is readable from any origin, so when it answers
 * the engine is up and the likely cause is the allowlist, and when it does not the engine is unreachable.
 */
export async function explain(error: unknown, target: ApiTarget, widget: string): Promise<void> {
  const code = codeOf(error);
  const where = `${widget} (tenant "${target.tenant}", embed key "${target.embedKey}")`;
  if (code === 'embed_key_invalid') {
    warn(`${where}: the engine does not know this embed key for this tenant, or the key is revoked. Check data-aforo-tenant-slug ` +
      `and data-aforo-embed-key against \`aforo-bridge embed-keys list --tenant ${target.tenant}\`.`);
  } else if (code === 'origin_not_allowed' || code === 'return_url_not_allowed') {
    warn(`${where}: this page's origin ${location.origin} is not on the embed key's allowlist; ${allowHint(target)}.`);
  } else if (code.startsWith('bridge_token_') || code.startsWith('signing_key_')) {
    warn(`${where}: the bridge token was refused (${code}). Mint a fresh token for every page render with an ACTIVE or NEXT ` +
      'signing key of this tenant, and never cache the page with its token.');
  } else if (code === 'network_error') {
    let reachable = false;
    try {
      reachable = (await fetch(`${target.apiBase}/v1/embed/sri.json`, { credentials: 'omit', cache: 'no-store' })).ok;
    } catch {
      reachable = false;
    }
    warn(reachable
      ? `${where}: the engine at ${target.apiBase} answers but most likely refused this page's origin ${location.origin} (no embed key allows it, so the ` +
        `browser reports a CORS error); ${allowHint(target)}.`
      : `${where}: the engine at ${target.apiBase} cannot be reached. Check that it is running, that the loader's URL (or ` +
        'data-aforo-api-base) points at its mount prefix, that its TLS certificate is valid, and that the page\'s CSP connect-src allows it.');
  }
}
