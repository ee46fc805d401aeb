import { Business, addCoach, signUp, uniqueEmail } from './support/http';
import { inProcessForSuite } from './support/in-process';

/**
 * Issue 21 through the HTTP API: the list sorts by e-mail and by type, the import reads the
 * headers people have, the importer's choice of type and of login details, and spreadsheet row
 * numbers; the export leaves phone numbers as they are.
 */
const inProcess = inProcessForSuite();

const expectProblem = (response: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.detail).toEqual(expect.any(String));
};

const importCsv = (business: Business, csv: string, query = '') => business.admin.post(`/api/v1/clients/import${query}`, csv, { 'content-type': 'text/csv' });

describe('GET /api/v1/clients?sort=email|type (issue 21)', () => {
  let business: Business;
  const names$ = (body: { items: Array<{ firstName: string; lastName: string }> }) => body.items.map((c) => `${c.firstName} ${c.lastName}`);

  beforeAll(async () => {
    business = await signUp(inProcess.api);
    const add = (firstName: string, lastName: string, email: string, type: string) =>
      business.admin.post('/api/v1/clients', { firstName, lastName, email, type, sendInvitation: false });
    const tag = uniqueEmail('s').split('@')[0];
    // E-mail order differs from name order, and one address has capitals.
    for (const [first, last, local, type] of [
      ['Zoë', 'Adams', 'carol', 'offline'],
      ['Yann', 'Baker', 'Alice', 'full_access'],
      ['Xavier', 'Clark', 'bob', 'full_access_one_way'],
      ['Wanda', 'Dent', 'dave', 'full_access'],
    ]) {
      expect((await add(first, last, `${local}.${tag}@example.com`, type)).status).toBe(201);
    }
  });

  it('sorts by e-mail, case-insensitively, both ways', async () => {
    const sorted = async (sort: string) => names$((await business.admin.get(`/api/v1/clients?sort=${sort}`)).body);
    expect(await sorted('email')).toEqual(['Yann Baker', 'Xavier Clark', 'Zoë Adams', 'Wanda Dent']);
    expect(await sorted('-email')).toEqual(['Wanda Dent', 'Zoë Adams', 'Xavier Clark', 'Yann Baker']);
  });

  it('sorts by type, then by name within a type, both ways; pages stay in that order', async () => {
    const sorted = async (sort: string) => names$((await business.admin.get(`/api/v1/clients?sort=${sort}`)).body);
    expect(await sorted('type')).toEqual(['Yann Baker', 'Wanda Dent', 'Xavier Clark', 'Zoë Adams']);
    expect(await sorted('-type')).toEqual(['Zoë Adams', 'Xavier Clark', 'Wanda Dent', 'Yann Baker']);
    expect(names$((await business.admin.get('/api/v1/clients?sort=type&page=2&pageSize=2')).body)).toEqual(['Xavier Clark', 'Zoë Adams']);
  });

  it('exports in that order too, and an unknown sort is still 400 validation_failed', async () => {
    const csv = await business.admin.get('/api/v1/clients/export?sort=email');
    expect(csv.status).toBe(200);
    expect((csv.body as string).split('\r\n').slice(1, 3).map((line) => line.split(',')[0])).toEqual(['Yann', 'Xavier']);
    expectProblem(await business.admin.get('/api/v1/clients?sort=phone'), 400, 'validation_failed');
    expectProblem(await business.admin.get('/api/v1/clients?sort=-status'), 400, 'validation_failed');
  });
});

describe('GET /api/v1/clients/export: phone numbers (issue 21)', () => {
  it('writes a phone number starting with + as it is, and still neutralises a formula', async () => {
    const business = await signUp(inProcess.api);
    await business.admin.post('/api/v1/clients', { firstName: 'Phone', lastName: 'Plus', email: uniqueEmail('p'), phone: '+33 6 12 34 56 78', type: 'offline' });
    await business.admin.post('/api/v1/clients', { firstName: '=1+1', lastName: 'Formula', email: uniqueEmail('f'), type: 'offline' });
    const csv = (await business.admin.get('/api/v1/clients/export')).body as string;
    expect(csv).toContain(',+33 6 12 34 56 78,offline,');
    expect(csv).not.toContain("'+33");
    expect(csv).toContain("'=1+1,Formula,");
  });
});

describe('POST /api/v1/clients/import (issue 21)', () => {
  it('reads the headers people have (any case, spacing, "E-mail address", "Client type"), in any order, ignoring and naming other columns', async () => {
    const business = await signUp(inProcess.api);
    const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
    const csv = ['E-mail address,FIRST NAME,last_name,Phone number,Client type,Notes', `${a},Ada,Lovelace,+44 1,Offline,likes mornings`, `${b},Alan,Turing,,One-way messaging,`].join('\n');
    const answer = await importCsv(business, csv);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: 2, failed: [], failedCount: 0, ignoredColumns: ['Notes'] });
    const listed = (await business.admin.get('/api/v1/clients?sort=name')).body.items;
    expect(listed.map((c: { firstName: string; type: string; phone: string | null }) => [c.firstName, c.type, c.phone])).toEqual([
      ['Ada', 'offline', '+44 1'],
      ['Alan', 'full_access_one_way', null],
    ]);
  });

  it('numbers refused rows as the spreadsheet shows them: header row 1, blank lines counted', async () => {
    const business = await signUp(inProcess.api);
    const csv = ['firstName,lastName,email,phone,type', `Ada,Lovelace,${uniqueEmail('a')},,offline`, '', 'Bad,Row,not-an-email,,offline', ',,,,', `No,Type,${uniqueEmail('n')},,`].join('\r\n');
    const answer = await importCsv(business, csv);
    expect(answer.body.created).toBe(1);
    expect(answer.body.failed.map((f: { row: number; errors: Array<{ field: string }> }) => [f.row, f.errors[0].field])).toEqual([
      [4, 'email'],
      [6, 'type'],
    ]);
  });

  it('?type= gives rows without a type (or a file without the column) that type; ?sendInvitation=false sends no login details', async () => {
    const business = await signUp(inProcess.api);
    const [a, b, c] = [uniqueEmail('a'), uniqueEmail('b'), uniqueEmail('c')];
    const noColumn = await importCsv(business, `First name,Last name,Email\nAda,Full,${a}\n`, '?type=full_access&sendInvitation=false');
    expect(noColumn.body).toMatchObject({ created: 1, failed: [] });
    const withColumn = await importCsv(business, `First name,Last name,Email,Type\nBea,Blank,${b},\nCal,Offline,${c},offline\n`, '?type=full_access');
    expect(withColumn.body).toMatchObject({ created: 2, failed: [] });
    const byEmail = async (email: string) => {
      const listed = (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body.items[0];
      return (await business.admin.get(`/api/v1/clients/${listed.id}`)).body as { type: string; appAccess: string };
    };
    // Chosen type, and no invitation when asked for none.
    expect(await byEmail(a)).toMatchObject({ type: 'full_access', appAccess: 'not_invited' });
    // Chosen type for the empty cell; invitations as for an add (the default).
    expect(await byEmail(b)).toMatchObject({ type: 'full_access', appAccess: 'invited' });
    expect(await byEmail(c)).toMatchObject({ type: 'offline', appAccess: 'none' });
  });

  it('400 validation_failed: a bad type or sendInvitation, an unknown setting, a column named twice, no type column and no chosen type', async () => {
    const business = await signUp(inProcess.api);
    const ok = `firstName,lastName,email,type\nA,B,${uniqueEmail('x')},offline\n`;
    const badType = await importCsv(business, ok, '?type=vip');
    expectProblem(badType, 400, 'validation_failed');
    expect(badType.body.errors).toEqual([expect.objectContaining({ field: 'type' })]);
    expectProblem(await importCsv(business, ok, '?sendInvitation=yes'), 400, 'validation_failed');
    expectProblem(await importCsv(business, ok, '?colour=red'), 400, 'validation_failed');
    const twice = await importCsv(business, `Email,E-mail,First name,Last name,type\na@x.io,a@x.io,A,B,offline\n`);
    expectProblem(twice, 400, 'validation_failed');
    expect(twice.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    const noType = await importCsv(business, `First name,Last name,Email\nA,B,${uniqueEmail('y')}\n`);
    expectProblem(noType, 400, 'validation_failed');
    expect(noType.body.detail).toContain('choose one client type for the whole file');
    expect((await business.admin.get('/api/v1/account/seats')).body.used).toBe(0);
  });

  it('403 forbidden for a coach without import_clients, whatever the settings, said as a sentence', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);
    const refused = await coach.api.post('/api/v1/clients/import?type=offline', 'firstName,lastName,email\n', { 'content-type': 'text/csv' });
    expectProblem(refused, 403, 'forbidden');
    expect(refused.body.detail).toMatch(/^Only staff who can import clients/);
  });
});
