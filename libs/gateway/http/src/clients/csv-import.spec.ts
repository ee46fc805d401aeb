import type { ImportRow } from '@clientele/clients/contracts';
import { AppError } from '@clientele/platform/core';
import { Readable } from 'node:stream';
import { ImportBusyError, ImportSlots, importCsv } from './csv-import';

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
