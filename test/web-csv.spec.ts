import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvText, importColumnOf, parseCsv } from '../apps/web/src/pages/csv';

/**
 * The import screen reads the file in the browser (apps/web/src/pages/csv.ts) to preview it and to
 * give back the refused rows by the row numbers the API answers. Both must read a file alike: the
 * same records, cells and spreadsheet row numbers as the gateway's csv-parse with its options
 * (libs/gateway/http/src/clients/csv-import.ts), for any file the gateway accepts.
 */
const GATEWAY_OPTIONS = { bom: true, relax_column_count: true, skip_empty_lines: false, trim: true } as const;
const gatewayRecords = (text: string) => (parse(text, GATEWAY_OPTIONS) as string[][]).map((cells, index) => ({ row: index + 1, cells }));

describe('the web import screen reads CSV as the gateway does', () => {
  it.each([
    ['plain rows', 'a,b,c\n1,2,3\n'],
    ['CRLF, no final line break', 'a,b\r\n1,2'],
    ['a blank line is a row', 'a,b\n\n1,2\n'],
    ['a quoted cell with a comma, a quote and a line break', 'a,b\n"Smith, Jr","say ""hi""\nthere"\n3,4\n'],
    ['spaces around cells and around quotes', 'a , b\n  x  ,  "y"  \n'],
    ['a byte-order mark', '\ufefffirstName,lastName\nAda,Lovelace\n'],
    ['a row of empty cells', 'a,b\n,,\n1,2\n'],
    ['short and long rows', 'a,b,c\n1\n1,2,3,4\n'],
  ])('%s', (_name, text) => {
    expect(parseCsv(text)).toEqual(gatewayRecords(text));
  });

  it('for any table written as CSV (property)', () => {
    const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', 'a,b', 'say "hi"', 'two\nlines', 'x\r\ny', '+33 6 12 34 56 78'));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (rows) => {
        const text = csvText(rows);
        expect(parseCsv(text)).toEqual(gatewayRecords(text));
      }),
      { numRuns: 300 },
    );
  });

  it('names the columns as the gateway does', () => {
    expect(['First name', 'first_name', 'FIRSTNAME', 'Email address', 'E-mail', 'Phone number', 'Client type', 'Notes'].map(importColumnOf)).toEqual([
      'firstName',
      'firstName',
      'firstName',
      'email',
      'email',
      'phone',
      'type',
      null,
    ]);
  });
});
