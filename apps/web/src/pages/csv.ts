/**
 * CSV in the browser, for the import screen: the file read for its preview and its refused rows,
 * and CSV written for the downloads. No DOM and no imports, so that test/web-csv.spec.ts checks it
 * against the parser the gateway uses.
 */

/** The columns of the import, as the API names them (docs/api.md). */
export const IMPORT_COLUMNS = ['firstName', 'lastName', 'email', 'phone', 'type'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/**
 * The header names the import reads for each column, as keys (lower case, without spaces, dashes,
 * dots or underscores). The gateway's csv-import.ts decides; this copy only lets the preview say
 * the same before the file is sent (the web imports no code from the libraries).
 */
const COLUMN_ALIASES: Record<ImportColumn, string[]> = {
  firstName: ['firstname', 'first', 'givenname', 'forename'],
  lastName: ['lastname', 'last', 'surname', 'familyname'],
  email: ['email', 'emailaddress', 'mail', 'mailaddress'],
  phone: ['phone', 'phonenumber', 'telephone', 'telephonenumber', 'tel', 'mobile', 'mobilenumber', 'mobilephone', 'cellphone'],
  type: ['type', 'clienttype'],
};

export function importColumnOf(name: string): ImportColumn | null {
  const key = name.toLowerCase().replace(/[\s_.-]+/g, '');
  return IMPORT_COLUMNS.find((column) => COLUMN_ALIASES[column].includes(key)) ?? null;
}

/** One record of a CSV file and its spreadsheet row number (the header is row 1, a blank line is a row). */
export interface CsvRecord {
  row: number;
  cells: string[];
}

/**
 * Reads CSV as the import does (RFC 4180: quoted cells may hold commas, quotes and line breaks;
 * cells trimmed; a leading byte-order mark dropped), numbering records as a spreadsheet shows
 * them: a quoted cell over two lines is one row, a blank line is a row. Lenient: a stray quote
 * is kept as text (the server names a file it cannot read).
 */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  const endCell = () => {
    cells.push(wasQuoted ? cell : cell.trim());
    cell = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endCell();
    records.push({ row: records.length + 1, cells });
    cells = [];
  };
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell.trim() === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
      cell = '';
    } else if (char === ',') endCell();
    else if (char === '\r' || char === '\n') {
      if (char === '\r' && source[i + 1] === '\n') i++;
      endRecord();
    } else if (!(wasQuoted && /\s/.test(char))) cell += char;
  }
  if (cell !== '' || wasQuoted || cells.length > 0) endRecord();
  return records;
}

export const isBlank = (record: CsvRecord) => record.cells.every((cell) => cell.trim() === '');

/** One cell as CSV text: quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvText(rows: string[][]): string {
  return rows.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
