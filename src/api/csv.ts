/**
 * RFC 4180 CSV with a header row; a leading BOM so spreadsheet programs read UTF-8 Cyrillic.
 * `delimiter: ';'` for files meant for a Russian-locale spreadsheet, whose list separator it is.
 */
export function toCsv(rows: Record<string, unknown>[], { delimiter = ',' }: { delimiter?: ',' | ';' } = {}): string {
  if (rows.length === 0) return '\uFEFF';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    // Quote what needs it; defuse spreadsheet formulas in text cells.
    const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
    return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `\uFEFF${[columns.map(cell).join(delimiter), ...rows.map((r) => columns.map((c) => cell(r[c])).join(delimiter))].join('\r\n')}\r\n`;
}
