/** How a widget reaches the engine: one fetch wrapper, so every call omits cookies and names its tenant. */

export interface ApiTarget {
  /** The engine's mount URL, e.g. `https://portal.example.com/aforo` (no trailing slash). */
  apiBase: string;
  tenant: string;
  embedKey: string;
}

/** A failed call: the engine's error `code`, or `network_error` (status 0) when nothing answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
    this.name = 'ApiError';
  }
}

/** The engine's error code of a failed call, `internal` for anything else (a bug, a refused fetch). */
export const codeOf = (error: unknown): string => (error instanceof ApiError ? error.code : 'internal');

export interface CallOptions {
  jwt?: string | null;
  body?: unknown;
  query?: Record<string, string | undefined>;
  keepalive?: boolean;
}

export async function callApi<T>(target: ApiTarget, method: 'GET' | 'POST', path: string, options: CallOptions = {}): Promise<T> {
  const url = new URL(target.apiBase + path);
  const headers: Record<string, string> = {};
  if (method === 'GET' && !options.jwt) {
    // Query parameters instead of custom headers keep the anonymous config call a simple request: no preflight.
    url.searchParams.set('tenant', target.tenant);
    url.searchParams.set('embed_key', target.embedKey);
  } else {
    headers['X-Aforo-Tenant'] = target.tenant;
    headers['X-Aforo-Embed-Key'] = target.embedKey;
  }
  for (const [name, value] of Object.entries(options.query ?? {})) if (value) url.searchParams.set(name, value);
  if (options.jwt) headers.Authorization = `Bearer ${options.jwt}`;
  if (method === 'POST') headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url.href, {
      method,
      headers,
      body: method === 'POST' ? JSON.stringify(options.body ?? {}) : undefined,
      // The session lives in memory only; no cookie may ride along, in either direction.
      credentials: 'omit',
      cache: 'no-store',
      keepalive: options.keepalive,
    });
  } catch {
    throw new ApiError(0, 'network_error');
  }
  if (response.status === 204) return undefined as T;
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch {
    // A body that is not JSON is judged by its status alone.
  }
  if (!response.ok) {
    const code = (payload as { error?: { code?: unknown } } | null)?.error?.code;
    throw new ApiError(response.status, typeof code === 'string' ? code : 'http_' + response.status);
  }
  return payload as T;
}
