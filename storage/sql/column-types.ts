import { Type } from '@mikro-orm/core';

/**
 * A `Date` stored as integer epoch milliseconds (`bigint`; SQLite gives such a column integer affinity). Integers
 * round-trip to the millisecond on both drivers and compare exactly in the conditional writes, with no time-zone
 * or text-format question. Postgres hands `bigint` back as a string, hence the `Number()`.
 */
export class EpochMsType extends Type<Date | null, number | null> {
  override convertToDatabaseValue(value: Date | number | null | undefined): number | null {
    if (value === null || value === undefined) return null;
    return typeof value === 'number' ? value : value.getTime();
  }

  override convertToJSValue(value: number | string | null | undefined): Date | null {
    if (value === null || value === undefined) return null;
    return new Date(Number(value));
  }

  override getColumnType(): string {
    return 'bigint';
  }

  override compareAsType(): string {
    return 'number';
  }
}

/** An integer amount (cents) kept in a `bigint` column and read back as a JS number. */
export class BigNumberType extends Type<number | null, number | null> {
  override convertToDatabaseValue(value: number | null | undefined): number | null {
    return value ?? null;
  }

  override convertToJSValue(value: number | string | null | undefined): number | null {
    return value === null || value === undefined ? null : Number(value);
  }

  override getColumnType(): string {
    return 'bigint';
  }

  override compareAsType(): string {
    return 'number';
  }
}
