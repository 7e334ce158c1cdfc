interface ErrorFields {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  name?: unknown;
}

const fields = (error: unknown): ErrorFields => (typeof error === 'object' && error !== null ? error : {});

/**
 * True when `error` is a unique violation of the index named `${table}_${column}` (Postgres reports the index
 * name; SQLite names the columns in its message). The ORM wraps driver errors but keeps these fields.
 */
export function isUniqueViolation(error: unknown, table: string, column: string): boolean {
  const { code, constraint, message } = fields(error);
  if (code === '23505') return constraint === `${table}_${column}`;
  return (
    (code === 'SQLITE_CONSTRAINT' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') &&
    typeof message === 'string' &&
    message.includes('UNIQUE constraint failed') &&
    message.includes(`${table}.${column}`)
  );
}

/** SQLite could not take a lock within its busy timeout. Nothing was written; the statement may be retried. */
export function isSqliteBusy(error: unknown): boolean {
  const { code, message, name } = fields(error);
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
  if (name === 'LockWaitTimeoutException') return true;
  return typeof message === 'string' && /SQLITE_BUSY|database is locked/.test(message);
}

/** The URL with its password replaced by `***`, fit for error messages and logs. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not parseable as a URL, so its parts cannot be told apart: show the scheme only.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url);
    return scheme ? `${scheme[0]}//***` : '***';
  }
}

export function errorMessage(error: unknown): string {
  const { message } = fields(error);
  return typeof message === 'string' ? message : String(error);
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
