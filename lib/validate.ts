import { domainToASCII } from 'node:url';
import { BridgeError } from './errors.js';

/** Small input readers for request bodies: each throws `invalid_request` naming the field. */

export type Fields = Record<string, unknown>;

export function invalid(message: string): BridgeError {
  return new BridgeError('invalid_request', message);
}

export function asObject(value: unknown, what = 'body'): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${what} must be a JSON object`);
  }
  return value as Fields;
}

export function onlyFields(body: Fields, allowed: string[], what = 'body'): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw invalid(`${what} has an unknown field ${JSON.stringify(key).slice(0, 80)}`);
  }
}

export function readString(
  body: Fields,
  field: string,
  rule: { min?: number; max: number; pattern?: RegExp },
): string {
  const value = body[field];
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (!isCleanString(value)) throw invalid(`${field} must be well-formed text with no NUL`);
  if (value.length < (rule.min ?? 1) || value.length > rule.max) {
    throw invalid(`${field} must be ${rule.min ?? 1}-${rule.max} characters`);
  }
  if (rule.pattern && !rule.pattern.test(value)) throw invalid(`${field} is malformed`);
  return value;
}

export function optionalString(
  body: Fields,
  field: string,
  rule: { min?: number; max: number; pattern?: RegExp },
): string | undefined {
  if (body[field] === undefined) return undefined;
  return readString(body, field, rule);
}

/** `undefined` when absent, `null` when explicitly null, else the checked string. */
export function nullableString(
  body: Fields,
  field: string,
  rule: { min?: number; max: number; pattern?: RegExp },
): string | null | undefined {
  if (body[field] === null) return null;
  return optionalString(body, field, rule);
}

export function readInteger(body: Fields, field: string, min: number, max: number): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${field} must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function readEnum<T extends string>(body: Fields, field: string, values: readonly T[]): T {
  const value = body[field];
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalid(`${field} must be one of ${values.join(', ')}`);
  }
  return value as T;
}

export function optionalBoolean(body: Fields, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${field} must be a boolean`);
  return value;
}

export function readDate(body: Fields, field: string): Date {
  const value = body[field];
  if (typeof value !== 'string' || value.length > 40) throw invalid(`${field} must be an ISO 8601 date-time`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(`${field} must be an ISO 8601 date-time`);
  return date;
}

export function nullableDate(body: Fields, field: string): Date | null {
  if (body[field] === undefined || body[field] === null) return null;
  return readDate(body, field);
}

// dot-atom local part (RFC 5322 atext): no display name, list, comment, quotes or `, ; < > ( ) "` can pass.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * One plain addr-spec (SPEC section 6), normalised: lower-cased, the domain in punycode (an IDN domain is
 * allowed). Null for anything else. Caps count, and mail goes to, this form only, so `x,victim@t.test` or
 * `n<victim@t.test>` can neither pass nor reach another inbox.
 */
export function normaliseEmail(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 254 || !isCleanString(value)) return null;
  const at = value.lastIndexOf('@');
  if (at < 1 || at > 64) return null;
  const local = value.slice(0, at);
  if (!LOCAL_PART.test(local)) return null;
  const domain = domainToASCII(value.slice(at + 1).toLowerCase());
  const labels = domain.split('.');
  if (domain.length > 253 || labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return null;
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return null;
  const email = `${local.toLowerCase()}@${domain}`;
  return email.length <= 254 ? email : null;
}

export function isEmail(value: unknown): value is string {
  return normaliseEmail(value) !== null;
}

/** The ASCII form of a plain addr-spec, for option and field patterns (IDN domains go through `isEmail`). */
export const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

// NUL and lone surrogates (a `u` regex sees a valid pair as one code point, so only unpaired halves match).
const UNCLEAN = /[\u0000\p{Cs}]/u;

/** Well-formed UTF-16 with no NUL: what every string the engine reads must be (SPEC section 5). */
export function isCleanString(value: string): boolean {
  return !UNCLEAN.test(value);
}

export const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const HTTPS_URL = /^https:\/\/[^\s]+$/;
export const COLOUR = /^#[0-9a-fA-F]{3,8}$/;

/**
 * A page cursor the engine handed out: base64url JSON `[ms, id]`. Anything else, a time outside a Date's range
 * or an id that breaks the text rules is `invalid_request`, before storage sees it.
 */
export function readCursor<T>(cursor: string, as: (position: { at: Date; id: string }) => T): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || Math.abs(parsed[0]) > 8.64e15 ||
    typeof parsed[1] !== 'string' || parsed[1].length > 255 || !isCleanString(parsed[1])
  ) {
    throw invalid('cursor is malformed');
  }
  return as({ at: new Date(parsed[0]), id: parsed[1] });
}
