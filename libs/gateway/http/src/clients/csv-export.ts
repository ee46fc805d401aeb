import type { ClientSummary } from '@clientele/clients/contracts';

export const EXPORT_COLUMNS = ['firstName', 'lastName', 'email', 'phone', 'type', 'status', 'createdAt'] as const;

/**
 * A phone number as people write it: `+`, then digits with spaces, dashes, dots or parentheses
 * between them (`+33 6 12 34 56 78`, `+1 (555) 010-0000`). A spreadsheet reads it as text or as a
 * number, never as a formula: there is no operator after the sign and nothing to call.
 */
const PHONE_NUMBER = /^\+[\d\s().-]*\d[\d\s().-]*$/;

/**
 * One CSV cell, safe to open in a spreadsheet. A cell starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return may be a formula to Excel, LibreOffice and Google Sheets (CSV injection:
 * `=HYPERLINK("http://evil.example", "x")` in a client's name, `+1+cmd|' /C calc'!A0`). Such a cell
 * is prefixed with an apostrophe, which the spreadsheet shows as text, as OWASP recommends; a
 * phone number `+44 20 7946 0000` is not a formula and stays as it is (issue 21: `'+33 6 …` was
 * wrong in every export). Then the cell is quoted when it holds a comma, a quote or a line break
 * (RFC 4180).
 */
export function csvCell(value: string | null | undefined): string {
  let text = value ?? '';
  if (/^[=+\-@\t\r]/.test(text) && !PHONE_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${EXPORT_COLUMNS.join(',')}\r\n`;
}

export function csvRow(client: ClientSummary): string {
  return `${EXPORT_COLUMNS.map((column) => csvCell(client[column])).join(',')}\r\n`;
}

/**
 * The export as a stream of CSV text: the header, then every page the caller may see, fetched one
 * page at a time so a roster of any size never sits in memory. `firstPage` is fetched before the
 * answer starts, so a refusal still becomes a problem+json answer.
 */
export async function* csvExport(
  firstPage: { items: ClientSummary[]; total: number },
  fetchPage: (page: number) => Promise<{ items: ClientSummary[] }>,
  pageSize: number,
): AsyncGenerator<string> {
  yield `\ufeff${csvHeader()}`; // the BOM makes Excel read the file as UTF-8
  let items = firstPage.items;
  for (let page = 1; items.length > 0; page++) {
    yield items.map(csvRow).join('');
    if (items.length < pageSize) return;
    items = (await fetchPage(page + 1)).items;
  }
}
