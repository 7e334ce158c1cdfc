/**
 * Origin handling (SPEC section 2 and 5). Two entry points with different strictness:
 * - `normaliseAllowedOrigin` reads what a tenant's admin typed into an allowlist (a trailing `/` is forgiven);
 * - `parseRequestOrigin` reads a browser's `Origin` header, which must be a serialised origin exactly.
 * Both return the normalised form (lower-case scheme and host, default port dropped, punycode host), or null.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// scheme://host[:port] and nothing else: no userinfo, path, query, fragment, percent-escape or whitespace.
const SERIALISED_ORIGIN = /^(https?):\/\/([^\s/?#@%\\]+)$/i;

function normalise(raw: string): string | null {
  if (!SERIALISED_ORIGIN.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
  const host = url.hostname;
  if (!host || host.includes('*')) return null;
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(host)) return null;
  // URL already lower-cases, punycodes the host and drops the scheme's default port.
  return `${url.protocol}//${url.host}`;
}

export function normaliseAllowedOrigin(input: string): string | null {
  if (typeof input !== 'string' || input.length > 300) return null;
  const trimmed = input.endsWith('/') ? input.slice(0, -1) : input;
  return normalise(trimmed);
}

// Browsers send the same few Origin values over and over; parsing each with URL costs more than the lookup.
// Bounded, and cleared when full, so hostile values cannot grow it.
const parsedOrigins = new Map<string, string | null>();

/**
 * Whether the port of `scheme://authority`, if there is one, is written as a browser writes it: a plain decimal.
 * URL reads `host:` and `host:0443` as the host and port 443, which no browser sends.
 */
function plainPort(raw: string): boolean {
  const authority = raw.slice(raw.indexOf('//') + 2);
  const colon = authority.indexOf(':', authority.lastIndexOf(']') + 1);
  return colon < 0 || /^[1-9][0-9]{0,4}$/.test(authority.slice(colon + 1));
}

/** A request's `Origin`: missing, `null` or malformed give null, which never matches an allowlist. */
export function parseRequestOrigin(header: string | undefined): string | null {
  if (header === undefined || header === 'null' || header.length > 300) return null;
  let origin = parsedOrigins.get(header);
  if (origin === undefined) {
    origin = plainPort(header) ? normalise(header) : null;
    if (parsedOrigins.size >= 1000) parsedOrigins.clear();
    parsedOrigins.set(header, origin);
  }
  return origin;
}

export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return normalise(`${parsed.protocol}//${parsed.host}`);
  } catch {
    return null;
  }
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}
