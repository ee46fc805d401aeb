import { InMemoryRecords } from './in-memory-records';
import { ResilientRecords } from './resilient-records';
import { SharedRecords, SharedRecordsUnavailableError } from './shared-records.port';
import { sharedRecordsContract } from './testing/shared-records.contract';

sharedRecordsContract('InMemoryRecords', { open: async () => new InMemoryRecords() });

describe('InMemoryRecords', () => {
  it('sweeps expired records, so addresses that come once do not pile up', async () => {
    let now = 1_000_000;
    const records = new InMemoryRecords(() => now);
    for (let i = 0; i < 100; i++) await records.modify<void, number>(`ip-${i}`, (_c, at) => ({ record: { value: 1, expiresAt: at + 1000 }, result: undefined }));
    expect(records.size).toBe(100);
    now += 20_000;
    await records.modify<void, number>('later', (_c, at) => ({ record: { value: 1, expiresAt: at + 1000 }, result: undefined }));
    expect(records.size).toBe(1);
  });
});

describe('ResilientRecords', () => {
  const failing = (calls: { count: number }): SharedRecords => ({
    modify: async () => {
      calls.count++;
      throw new SharedRecordsUnavailableError('NATS KV did not answer: TIMEOUT');
    },
    close: async () => undefined,
  });
  const add = (records: SharedRecords) => records.modify<number, number>('k', (current, now) => ({ record: { value: (current ?? 0) + 1, expiresAt: now + 60_000 }, result: (current ?? 0) + 1 }));

  it('counts in this process while the shared store fails, says so once per pause, and asks the shared store again after the pause', async () => {
    let now = 0;
    const calls = { count: 0 };
    const told: string[] = [];
    const records = new ResilientRecords(failing(calls), new InMemoryRecords(() => now), { pauseMs: 5000, onUnavailable: (e) => told.push(e.message) }, () => now);
    expect([await add(records), await add(records), await add(records)]).toEqual([1, 2, 3]);
    expect(calls.count).toBe(1);
    expect(told).toHaveLength(1);
    now += 5001;
    expect(await add(records)).toBe(4);
    expect(calls.count).toBe(2);
  });

  it('passes a change that throws on to the caller (a bug is not an outage)', async () => {
    const records = new ResilientRecords(new InMemoryRecords(), new InMemoryRecords());
    await expect(
      records.modify('k', () => {
        throw new Error('bug');
      }),
    ).rejects.toThrow('bug');
  });
});
