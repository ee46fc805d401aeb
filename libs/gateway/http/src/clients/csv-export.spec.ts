import type { ClientSummary } from '@clientele/clients/contracts';
import { csvCell, csvExport, csvRow } from './csv-export';

describe('CSV export cells', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+cmd|\' /C calc\'!A0', "'+1+cmd|' /C calc'!A0"],
    ['+1)+cmd', "'+1)+cmd"],
    ['=1+1', "'=1+1"],
    ['+', "'+"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('neutralises a cell a spreadsheet would run as a formula: %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each(['+33 6 12 34 56 78', '+44 20 7946 0000', '+1 (555) 010-0000', '+49.30.1234567', '+41-44-668-1800', '+12025550123'])(
    'leaves a phone number written with + as it is (issue 21): %j',
    (phone) => {
      expect(csvCell(phone)).toBe(phone);
    },
  );

  it('leaves ordinary text alone and quotes commas, quotes and line breaks', () => {
    expect(csvCell('Ada')).toBe('Ada');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('Smith, Jr')).toBe('"Smith, Jr"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
  });

  it('writes the columns in order', () => {
    const client = { id: 'c', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: null, type: 'offline', status: 'active', coachId: 'k', createdAt: '2026-01-01T00:00:00.000Z', lastActivityAt: null } as ClientSummary;
    expect(csvRow(client)).toBe('Ada,Lovelace,ada@example.com,,offline,active,2026-01-01T00:00:00.000Z\r\n');
  });

  it('reads every page once and stops after a short page', async () => {
    const client = (n: number) => ({ firstName: `F${n}`, lastName: 'L', email: `${n}@x.io`, phone: null, type: 'offline', status: 'active', createdAt: 'd' }) as ClientSummary;
    const pages = [[client(1), client(2)], [client(3), client(4)], [client(5)]];
    const asked: number[] = [];
    let text = '';
    for await (const chunk of csvExport({ items: pages[0], total: 5 }, async (page) => (asked.push(page), { items: pages[page - 1] }), 2)) text += chunk;
    expect(asked).toEqual([2, 3]);
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(6);
  });
});
