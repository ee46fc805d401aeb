/** Output helpers shared by the audit, dead-letter and tail commands. */

export type Cell = string | number | boolean | null | undefined;

/** RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, Cell>[]): string {
  const field = (value: Cell) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.map(field).join(','), ...rows.map((row) => columns.map((c) => field(row[c])).join(','))].map((line) => `${line}\r\n`).join('');
}

/** A readable table: a header, a rule, columns padded to their widest cell (the last one never padded). */
export function toTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

export type OutputFormat = 'table' | 'json' | 'csv';
