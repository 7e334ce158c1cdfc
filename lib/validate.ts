import { domainToASCII } from 'node:url';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { BridgeError } from './errors.js';

/** Input checks shared by every route: the text rules, emails, cursors, and schema validation. */

export function invalid(message: string): BridgeError {
  return new BridgeError('invalid_request', message);
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

// NUL and lone surrogates (a `u` regex sees a valid pair as one code point, so only unpaired halves match).
const UNCLEAN = /[\u0000\p{Cs}]/u;

/** Well-formed UTF-16 with no NUL: what every string the engine reads must be (SPEC section 5). */
export function isCleanString(value: string): boolean {
  return !UNCLEAN.test(value);
}

export const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

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

const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** Validates `value` against `schema` (compiled once per schema); `what` names it in the 400's message. */
export function validate<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    checkers.set(schema, checker);
  }
  if (checker.Check(value)) return value as Static<T>;
  const first = checker.Errors(value).First();
  const where = first?.path ? `${what}${first.path.replace(/\//g, '.')}` : what;
  const expected = first?.schema && 'maxLength' in first.schema && typeof first.value === 'string' && first.value.length > Number(first.schema.maxLength)
    ? `is longer than ${first.schema.maxLength} characters`
    : first?.message.replace(/^Expected/, 'must be').replace(/^Unexpected property/, 'is not a known field') ?? 'is malformed';
  throw new BridgeError('invalid_request', `${where} ${expected}`.slice(0, 200));
}

