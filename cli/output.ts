import type { Io } from './command.js';

type Row = Record<string, unknown>;

function isRecord(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One value on one line: `logoUrl=https://…, primaryColor=#0a7`, `a, b`, or `-` for nothing. */
function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(text).join(', ');
  if (isRecord(value)) {
    const parts = Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${Array.isArray(v) ? `[${text(v)}]` : text(v)}`);
    return parts.length === 0 ? '-' : parts.join(', ');
  }
  return String(value);
}

/** Prints results as aligned human text, or as one JSON document with `--json`. */
export class Output {
  constructor(private readonly io: Io, readonly json: boolean) {}

  /** One record: `key: value` lines, or the record as JSON. */
  record(value: Row, fields?: string[]): void {
    if (this.json) return this.io.out(JSON.stringify(value, null, 2));
    const keys = fields ?? Object.keys(value);
    const width = Math.max(...keys.map((k) => k.length)) + 1;
    for (const key of keys) {
      const field = value[key];
      if (field === undefined) continue;
      // A PEM keeps its line breaks so it can be copied as it is.
      if (typeof field === 'string' && field.includes('\n')) {
        this.io.out(`${key}:`);
        this.io.out(field.trimEnd());
      } else if (Array.isArray(field) && field.length > 0 && field.every(isRecord)) {
        // A list of records (rate plans) gets one indented line each.
        this.io.out(`${key}:`);
        for (const item of field) this.io.out(`  - ${text(item)}`);
      } else {
        this.io.out(`${`${key}:`.padEnd(width + 1)}${text(field)}`);
      }
    }
  }

  /** Rows as a table with a header line, or `{ [name]: rows, ...extra }` as JSON. */
  table(name: string, rows: Row[], columns: string[], extra: Row = {}): void {
    if (this.json) return this.io.out(JSON.stringify({ [name]: rows, ...extra }, null, 2));
    if (rows.length === 0) {
      this.io.out(`(no ${name.replace(/([A-Z])/g, ' $1').toLowerCase()})`);
      return;
    }
    const cells = rows.map((row) => columns.map((c) => text(row[c])));
    const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
    const line = (parts: string[]) => parts.map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i]))).join('  ');
    this.io.out(line(columns));
    for (const row of cells) this.io.out(line(row));
  }

  /** A one-line confirmation in human mode; the record as JSON. */
  done(message: string, value: Row): void {
    if (this.json) return this.io.out(JSON.stringify(value, null, 2));
    this.io.out(message);
  }

  /**
   * A record holding secrets: printed once, to standard output only, with a warning on standard error. The
   * caller never passes it to a logger.
   */
  secret(value: Row, secretFields: string[], fields: string[]): void {
    this.io.err(`warning: store the ${secretFields.join(' and ')} below now; it is shown once and cannot be shown again`);
    if (this.json) return this.io.out(JSON.stringify(value, null, 2));
    this.record(value, [...fields, ...secretFields]);
  }
}
