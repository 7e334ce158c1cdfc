// Small helpers shared by the in-memory tables.

/**
 * Every record leaves (and enters) the store as a deep copy, so no caller can reach stored state. Records are
 * plain objects, arrays, Dates and primitives; copying those by hand is several times faster than structuredClone,
 * which matters on the hot read paths (every session call reads three records).
 */
export function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    out[key] = item === null || typeof item !== 'object' ? item : copy(item);
  }
  return out as T;
}

// A slug never contains NUL, so "tenant NUL id" cannot collide across tenants.
export const scoped = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/** Code-unit order, the same on every platform. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders (time, id) pairs newest first, ties by id descending; negative when `a` comes first. */
export function newestFirst(aTime: Date, aId: string, bTime: Date, bId: string): number {
  return bTime.getTime() - aTime.getTime() || compare(bId, aId);
}

export function deleteWhere<T>(map: Map<string, T>, expired: (value: T) => boolean): number {
  let removed = 0;
  for (const [key, value] of map) {
    if (expired(value)) {
      map.delete(key);
      removed += 1;
    }
  }
  return removed;
}
