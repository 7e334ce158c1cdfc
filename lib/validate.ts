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

/** Plain email check: one `@`, no spaces or control characters, at most 254 characters. */
export const EMAIL = /^[^\s@\u0000-\u001f\u007f]{1,64}@[^\s@\u0000-\u001f\u007f]+\.[^\s@\u0000-\u001f\u007f]+$/;

export function isEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value);
}

export const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const HTTPS_URL = /^https:\/\/[^\s]+$/;
export const COLOUR = /^#[0-9a-fA-F]{3,8}$/;
