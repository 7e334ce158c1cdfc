/** Money and dates in the visitor's locale (or the widget's `data-aforo-locale`). */

export function formatMoney(cents: number, currency: string, locale?: string): string {
  try {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    // Minor units differ per currency (JPY has none, KWD three); the formatter knows how many.
    return format.format(cents / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}
