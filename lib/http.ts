/** The plain request/response pair `bridge.handle` speaks; adapters translate to and from it. */

export interface PlainRequest {
  method: string;
  /** Path below the mount prefix, starting with `/` (e.g. `/v1/embed/config`). */
  path: string;
  /** Decoded query parameters; a repeated parameter keeps its first value. */
  query: Record<string, string>;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  /**
   * The body: a Buffer or string read from the wire, an already-parsed value when the host parsed it,
   * or undefined when there was none.
   */
  body?: unknown;
  /** Client IP as the host resolved it (proxy-aware only when the host trusts proxies). */
  ip: string;
}

export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON-serialised already, or a Buffer for bundle files; null for no body. */
  body: string | Buffer | null;
}

/** Bodies above this many bytes are refused with 413 (SPEC section 5). */
export const MAX_BODY_BYTES = 16 * 1024;

/** A declared `Content-Length` over the cap: refused (413) or at least never read, before a byte of the body. */
export function declaresOverCap(headers: Record<string, string | string[] | undefined>): boolean {
  return Number(headers['content-length'] ?? 0) > MAX_BODY_BYTES;
}

/** A static file the engine serves (the widget bundle). */
export interface Asset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

export interface AssetSource {
  get(path: string): Asset | null;
}
