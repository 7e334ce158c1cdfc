import { domainToASCII } from 'node:url';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { BridgeError } from './errors.js';

/** Input checks shared by every route: the text rules, emails, cursors, and schema validation. */

export function invalid(message: string): BridgeError {
  return new BridgeError('invalid_request', message);
}

// dot-atom local part (RFC 5322 atext): no display name, list, comment, quotes or `, ; < > ( ) "` can pass.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * One plain addr-spec (SPEC section 6) in its stored form: the local part as given, an ASCII domain as given and
 * any other domain in punycode (an IDN or full-width domain is allowed and mapped). Null for anything else, so `x,victim@t.test` or
 * `n<victim@t.test>` can neither pass nor reach another inbox. Every email the engine stores goes through this,
 * so one address has one form whichever way it arrives (bridge token, admin API, magic link).
 */
export function canonicalEmail(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 254 || !isCleanString(value)) return null;
  const at = value.lastIndexOf('@');
  if (at < 1 || at > 64) return null;
  const local = value.slice(0, at);
  if (!LOCAL_PART.test(local)) return null;
  const given = value.slice(at + 1);
  // An ASCII domain keeps its spelling (comparison is case-insensitive anyway); any other is mapped to punycode, so
  // `bücher.example`, `xn--bcher-kva.example` and full-width letters are one domain.
  const domain = /^[\x21-\x7e]+$/.test(given) ? given : domainToASCII(given.toLowerCase());
  const labels = domain.toLowerCase().split('.');
  if (domain.length > 253 || labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return null;
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return null;
  const email = `${local}@${domain}`;
  return email.length <= 254 ? email : null;
}

/** The comparison form of an address: `canonicalEmail` lower-cased. Caps count, and magic-link mail goes to, it. */
export function normaliseEmail(value: unknown): string | null {
  return canonicalEmail(value)?.toLowerCase() ?? null;
}

export function isEmail(value: unknown): value is string {
  return canonicalEmail(value) !== null;
}

// NUL and lone surrogates (a `u` regex sees a valid pair as one code point, so only unpaired halves match).
const UNCLEAN = /[\u0000\p{Cs}]/u;

/** Well-formed UTF-16 with no NUL: what every string the engine reads must be (SPEC section 5). */
export function isCleanString(value: string): boolean {
  return !UNCLEAN.test(value);
}

// Keys that mean something to JavaScript objects have no place in any JSON the engine takes.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first thing wrong in a parsed JSON value, null when nothing is: a string that is not clean text (`string`), a
 * key that is not or is a prototype key (`key`), or nesting deeper than `maxDepth` (`depth`).
 */
export function jsonProblem(value: unknown, maxDepth: number, depth = 0): 'string' | 'key' | 'depth' | null {
  if (typeof value === 'string') return isCleanString(value) ? null : 'string';
  if (typeof value !== 'object' || value === null) return null;
  if (depth > maxDepth) return 'depth';
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, maxDepth, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key) || !isCleanString(key)) return 'key';
    const problem = jsonProblem(item, maxDepth, depth + 1);
    if (problem) return problem;
  }
  return null;
}

// RFC 3339's date-time (a zone is required, seconds and fraction optional), or a plain date meaning midnight UTC.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/i;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * An ISO 8601 date-time whose fields name a real instant, as a Date; 400 `invalid_request` naming `field` for
 * anything else. `new Date` alone takes more than that and rolls impossible fields over (2026-02-30 becomes
 * 2026-03-02, a year -000001 passes), so the fields are checked against the calendar before it parses.
 */
export function parseDateTime(value: string, field: string): Date {
  const refused = () => invalid(`${field} must be an ISO 8601 date-time such as 2026-03-01T10:00:00Z`);
  const parts = DATE_TIME.exec(value);
  if (!parts) throw refused();
  const [year, month, day, hour = 0, minute = 0, second = 0, zoneHour = 0, zoneMinute = 0] = parts.slice(1).map((part) => Number(part ?? 0));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59 || zoneHour > 23 || zoneMinute > 59) throw refused();
  const date = new Date(parts[4] === undefined ? `${value}T00:00:00Z` : value.toUpperCase());
  if (Number.isNaN(date.getTime())) throw refused();
  return date;
}

/**
 * A page size from a query string: decimal digits only (`Number` alone would take 1e1, 0x10 and " 5") within
 * 1..`max`; `fallback` when the parameter is absent.
 */
export function readLimit(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= max)) throw invalid(`limit must be an integer between 1 and ${max}`);
  return limit;
}

export const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * A page cursor the engine handed out: base64url JSON `[ms, id]`. Anything else, a time outside a Date's range
 * or an id that breaks the text rules is `invalid_request`, before storage sees it.
 */
export function readCursor<T>(cursor: string, as: (position: { at: Date; id: string }) => T): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(STRICT_UTF8.decode(Buffer.from(cursor, 'base64url')));
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

// Bytes that are not UTF-8 are refused, not read as U+FFFD.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** What a schema wanted, in the words of a 400's message. */
function wanted(schema: Record<string, unknown>, value: unknown): string {
  const anyOf = schema.anyOf as Array<Record<string, unknown>> | undefined;
  if (anyOf?.every((option) => 'const' in option)) return `must be one of ${anyOf.map((option) => String(option.const)).join(', ')}`;
  if (anyOf) return value === null ? 'must not be null' : wanted(anyOf[0], value);
  const { minLength = 0, maxLength, minimum, maximum, maxItems, pattern } = schema as Record<string, number | string | undefined>;
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (pattern !== undefined && !new RegExp(String(pattern)).test(value)) return 'is malformed';
      return `must be ${minLength}-${maxLength} characters`;
    case 'integer':
      return `must be an integer${minimum !== undefined ? ` between ${minimum} and ${maximum}` : ''}`;
    case 'boolean':
      return 'must be a boolean';
    case 'array':
      return Array.isArray(value) ? `must be an array of at most ${maxItems} entries` : 'must be an array';
    case 'object':
      return 'must be a JSON object';
    default:
      return 'is malformed';
  }
}

/**
 * Validates `value` against `schema` (compiled once per schema): the value as typed, or 400 `invalid_request`
 * naming the first field that is wrong (`ratePlans[0].currency is malformed`); `what` names the whole value.
 */
export function validate<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    checkers.set(schema, checker);
  }
  if (checker.Check(value)) return value as Static<T>;
  const first = checker.Errors(value).First();
  const field = (first?.path ?? '').split('/').filter(Boolean).map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('').replace(/^\./, '');
  const name = field === '' ? what : field.slice(0, 80);
  const problem = first === undefined ? 'is malformed'
    : first.type === ValueErrorType.ObjectAdditionalProperties ? 'is not a known field'
      : first.type === ValueErrorType.ObjectRequiredProperty ? 'is required'
        : wanted(first.schema as Record<string, unknown>, first.value);
  throw new BridgeError('invalid_request', `${name} ${problem}`);
}
