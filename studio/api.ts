/**
 * The studio's one way to the engine: same-origin fetch below `{prefix}/studio`, the CSRF token on every call that
 * changes something, and errors as the engine's envelope. The admin API is reached at `studio/api/v1/admin/…`,
 * the admin route table itself, so every rule and message is the API's own.
 */

export class StudioError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

// The page is `{prefix}/studio`; everything the studio calls sits below it.
const base = location.pathname.replace(/\/+$/, '');
let csrfToken = '';

export function setCsrf(token: string): void {
  csrfToken = token;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-aforo-csrf'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method, headers, credentials: 'same-origin', cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const parsed = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!response.ok) {
    const error = parsed?.error;
    throw new StudioError(response.status, error?.code ?? 'internal', error?.message ?? `the engine answered ${response.status}`);
  }
  return parsed as T;
}

/** An admin API call for the selected tenant or the whole installation. */
export function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  return call<T>(method, `/api/v1/admin${path}`, body);
}

export const tenantPath = (slug: string, rest = ''): string => `/tenants/${encodeURIComponent(slug)}${rest}`;
