// Small helpers shared by the in-memory tables.

/** Every record leaves (and enters) the store as a deep copy, so no caller can reach stored state. */
export const copy = <T>(value: T): T => structuredClone(value);

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
