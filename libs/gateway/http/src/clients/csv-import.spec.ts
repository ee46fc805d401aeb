import type { ImportRow } from '@clientele/clients/contracts';
import { AppError } from '@clientele/platform/core';
import { Readable } from 'node:stream';
import { ImportBusyError, ImportSlots, importChoices, importColumnOf, importCsv, readHeader } from './csv-import';

const HEADER = 'firstName,lastName,email,phone,type\n';
const refuseAll = async (rows: ImportRow[], _chunk: number) => ({ created: 0, failed: rows.map((r) => ({ row: r.row, errors: [{ field: 'email', message: 'must be an e-mail address' }] })) });

describe('importCsv limits (issue 17, finding 4)', () => {
  it('refuses a declared length over the cap without reading the body or importing anything', async () => {
    let read = 0;
    const body = new Readable({ read: () => void read++ });
    const handle = jest.fn(refuseAll);
    await expect(importCsv(body, 5 * 1024 * 1024, 'i', handle)).rejects.toMatchObject({ code: 'payload_too_large', detail: expect.stringContaining('at most 10,000 rows and 4 MiB per file; split the file') });
    expect(handle).not.toHaveBeenCalled();
  });

  it('refuses past the byte cap while reading, and past the row cap before importing any row', async () => {
    const handle = jest.fn(refuseAll);
    await expect(importCsv(Readable.from([HEADER, 'a,b,c,,offline\n'.repeat(100)]), undefined, 'i', handle, { maxBytes: 500 })).rejects.toMatchObject({ code: 'payload_too_large' });
    await expect(importCsv(Readable.from([HEADER, 'a,b,c,,offline\n'.repeat(11)]), undefined, 'i', handle, { maxRows: 10 })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(handle).not.toHaveBeenCalled();
  });

  it('answers the first 100 refusals, the count and the report link; hands the rows on in chunks of 200', async () => {
    const handle = jest.fn(refuseAll);
    const answer = await importCsv(Readable.from([HEADER, 'a,b,c,,offline\n'.repeat(1000)]), undefined, 'imp-1', handle);
    expect(handle.mock.calls.map(([rows, chunk]) => [rows.length, chunk])).toEqual([0, 1, 2, 3, 4].map((chunk) => [200, chunk]));
    expect(answer).toMatchObject({ created: 0, failedCount: 1000, truncated: true, importId: 'imp-1', reportUrl: '/api/v1/clients/imports/imp-1/report' });
    expect(answer.failed.map((f) => f.row)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
  });

  it('gives an upload a minute: a sender that trickles loses the slot', async () => {
    jest.useFakeTimers();
    try {
      const body = new Readable({ read: () => undefined });
      body.push(HEADER);
      const refused = importCsv(body, undefined, 'i', refuseAll).catch((e: AppError) => e);
      jest.advanceTimersByTime(60_001);
      expect(await refused).toMatchObject({ code: 'validation_failed', detail: expect.stringContaining('longer than 60 seconds') });
    } finally {
      jest.useRealTimers();
    }
  });

  it('cuts what a CSV error quotes from the file', async () => {
    const error: AppError = await importCsv(Readable.from([`${HEADER}${'Q'.repeat(50_000)}"x,b,c,,offline\n`]), undefined, 'i', refuseAll).catch((e) => e);
    expect(error.code).toBe('validation_failed');
    expect(error.detail.length).toBeLessThan(300);
  });
});

describe('ImportSlots', () => {
  const limits = { running: 2, waitingPerAccount: 2, waiting: 3, waitMs: 60_000 };

  it('runs one import per account, lets the next ones wait in order, and refuses beyond', async () => {
    const slots = new ImportSlots(limits);
    const releaseA1 = await slots.take('a');
    const order: string[] = [];
    const a2 = slots.take('a').then((release) => (order.push('a2'), release));
    const a3 = slots.take('a').then((release) => (order.push('a3'), release));
    await expect(slots.take('a')).rejects.toBeInstanceOf(ImportBusyError);
    // Another account is not behind account a's queue.
    const releaseB = await slots.take('b');
    expect(slots.state('a')).toEqual({ running: true, waiting: 2 });
    releaseA1();
    (await a2)();
    (await a3)();
    expect(order).toEqual(['a2', 'a3']);
    releaseB();
    expect(slots.state('a')).toEqual({ running: false, waiting: 0 });
  });

  it('caps the imports of the process and the time one waits', async () => {
    jest.useFakeTimers();
    try {
      const slots = new ImportSlots({ ...limits, waitMs: 1000 });
      await slots.take('a');
      await slots.take('b');
      const c = slots.take('c');
      expect(slots.state('c')).toEqual({ running: false, waiting: 1 });
      jest.advanceTimersByTime(1001);
      await expect(c).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 10 });
      expect(slots.state('c').waiting).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('the header row (issue 21: the headers people actually have)', () => {
  it.each([
    ['firstName', 'firstName'],
    ['First name', 'firstName'],
    ['first_name', 'firstName'],
    ['FIRSTNAME', 'firstName'],
    ['  first   Name ', 'firstName'],
    ['Last name', 'lastName'],
    ['Surname', 'lastName'],
    ['Email address', 'email'],
    ['E-mail', 'email'],
    ['e_mail', 'email'],
    ['Phone number', 'phone'],
    ['Mobile', 'phone'],
    ['Client type', 'type'],
    ['TYPE', 'type'],
  ])('reads %j as the column %s', (name, column) => {
    expect(importColumnOf(name)).toBe(column);
  });

  it('ignores the columns it does not read and lists them, so a refused-rows file with its reason imports again', () => {
    expect(readHeader(['First name', 'Last name', 'E-mail', 'Notes', 'type', 'reason'])).toEqual({
      columns: ['firstName', 'lastName', 'email', null, 'type', null],
      ignored: ['Notes', 'reason'],
    });
  });

  it('refuses a header without a needed column, or with one named twice, saying which', () => {
    expect(() => readHeader(['name', 'mail'])).toThrow(expect.objectContaining({ code: 'validation_failed', errors: expect.arrayContaining([expect.objectContaining({ field: 'firstName' }), expect.objectContaining({ field: 'lastName' }), expect.objectContaining({ field: 'type' })]) }));
    expect(() => readHeader(['First name', 'Last name', 'Email', 'E-mail address', 'type'])).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ field: 'email', message: expect.stringContaining('"Email", "E-mail address"') })] }),
    );
  });

  it('lets the type column out when the importer chose a type for the whole file', () => {
    expect(() => readHeader(['First name', 'Last name', 'Email'])).toThrow(expect.objectContaining({ detail: expect.stringContaining('choose one client type for the whole file') }));
    expect(readHeader(['First name', 'Last name', 'Email'], { defaultType: 'offline' }).columns).toEqual(['firstName', 'lastName', 'email']);
  });
});

describe('importCsv rows', () => {
  const collect = async (csv: string, choices = {}) => {
    const rows: ImportRow[] = [];
    const answer = await importCsv(Readable.from([csv]), undefined, 'i', async (chunk) => (rows.push(...chunk), { created: chunk.length, failed: [] }), {}, choices);
    return { rows, answer };
  };

  it('numbers rows as a spreadsheet does: the header is row 1, a blank line is a row, a cell over two lines is one row', async () => {
    const { rows } = await collect('First name,Last name,Email address,Phone number,Client type\r\nAda,Lovelace,a@x.io,,full_access\r\n\r\n"Two\nLines",Jones,b@x.io,,offline\r\n,,,,\r\nCarl,Coached,c@x.io,+44 1,offline\r\n');
    expect(rows.map((r) => [r.row, r.firstName])).toEqual([
      [2, 'Ada'],
      [4, 'Two\nLines'],
      [6, 'Carl'],
    ]);
    expect(rows[2]).toEqual({ row: 6, firstName: 'Carl', lastName: 'Coached', email: 'c@x.io', phone: '+44 1', type: 'offline' });
  });

  it("reads the app's type labels, and gives rows without a type the chosen one", async () => {
    const { rows } = await collect('first_name,last_name,e-mail,client type\nA,B,a@x.io,Full access\nC,D,c@x.io,One-way messaging\nE,F,e@x.io,\nG,H,g@x.io,vip\n', { defaultType: 'offline' });
    expect(rows.map((r) => r.type)).toEqual(['full_access', 'full_access_one_way', 'offline', 'vip']);
    const without = await collect('First name,Last name,Email\nA,B,a@x.io\n', { defaultType: 'full_access_one_way' });
    expect(without.rows).toEqual([{ row: 2, firstName: 'A', lastName: 'B', email: 'a@x.io', type: 'full_access_one_way' }]);
  });

  it('answers the ignored columns only when there are some (the answer is otherwise as before)', async () => {
    expect((await collect(HEADER + 'a,b,c@x.io,,offline\n')).answer).toEqual({ created: 1, failed: [], failedCount: 0, truncated: false, importId: 'i' });
    expect((await collect('firstName,lastName,email,type,Notes,reason\na,b,c@x.io,offline,n,r\n')).answer.ignoredColumns).toEqual(['Notes', 'reason']);
  });
});

describe('importChoices (the query of POST /clients/import)', () => {
  it('reads type and sendInvitation', () => {
    expect(importChoices({})).toEqual({});
    expect(importChoices({ type: 'offline', sendInvitation: 'false' })).toEqual({ defaultType: 'offline', sendInvitation: false });
    expect(importChoices({ sendInvitation: 'true' })).toEqual({ sendInvitation: true });
  });

  it('refuses anything else with validation_failed, naming the setting', () => {
    expect(() => importChoices({ type: 'vip' })).toThrow(expect.objectContaining({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'type' })] }));
    expect(() => importChoices({ sendInvitation: 'yes' })).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'sendInvitation' })] }));
    expect(() => importChoices({ colour: 'red' })).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'colour' })] }));
  });
});
