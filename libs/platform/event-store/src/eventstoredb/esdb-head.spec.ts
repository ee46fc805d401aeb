import { AllRecord, ReadAllBackwards, findHeadPosition } from './esdb-head';

/**
 * A `$all` log in memory, read backwards as the server does. `inclusive` says whether a read from
 * a position starts with the record at that position (the search must work either way).
 */
function log(records: readonly AllRecord[], inclusive: boolean) {
  const reads: { from: bigint | 'end'; maxCount: number }[] = [];
  const read: ReadAllBackwards = async (from, maxCount) => {
    reads.push({ from, maxCount });
    const newestFirst = [...records].reverse();
    const start =
      from === 'end' ? 0 : newestFirst.findIndex((record) => (inclusive ? record.position! <= from : record.position! < from));
    return start === -1 ? [] : newestFirst.slice(start, start + maxCount);
  };
  return { read, reads };
}

const own = (position: number): AllRecord => ({ position: BigInt(position), system: false });
const system = (position: number): AllRecord => ({ position: BigInt(position), system: true });
const systemRun = (from: number, count: number) => Array.from({ length: count }, (_, i) => system(from + i));

describe('EventStoreDB head position (finding its own newest event behind system events)', () => {
  for (const inclusive of [false, true]) {
    describe(inclusive ? 'reads from a position include it' : 'reads from a position exclude it', () => {
      it('finds the newest event behind more than a page of system events', async () => {
        // An idle store: $stats every 30 s for hours after the last event the services wrote.
        const { read, reads } = log([own(1), own(2), ...systemRun(10, 500)], inclusive);
        await expect(findHeadPosition(read)).resolves.toBe(2n);
        expect(reads.length).toBeGreaterThan(1);
        expect(reads[0]).toEqual({ from: 'end', maxCount: 50 });
        // Pages grow, so a long run of system events costs few round trips.
        expect(reads[1].maxCount).toBe(100);
      });

      it('answers the newest event at once when it is the last record', async () => {
        const { read, reads } = log([system(1), own(2), system(3), own(4)], inclusive);
        await expect(findHeadPosition(read)).resolves.toBe(4n);
        expect(reads).toHaveLength(1);
      });

      it('answers null for a store that holds only system events, however many', async () => {
        const { read } = log(systemRun(1, 333), inclusive);
        await expect(findHeadPosition(read, { firstPageSize: 10, maxPageSize: 40 })).resolves.toBeNull();
      });

      it('answers null for an empty store', async () => {
        await expect(findHeadPosition(log([], inclusive).read)).resolves.toBeNull();
      });

      it('finds an event that sits exactly on a page boundary', async () => {
        // firstPageSize 4: the first page is system events 7..4, the event at 3 starts the next one.
        const { read } = log([own(1), own(3), ...systemRun(4, 4)], inclusive);
        await expect(findHeadPosition(read, { firstPageSize: 4 })).resolves.toBe(3n);
      });
    });
  }

  it('stops when a page brings nothing older instead of reading the same page forever', async () => {
    // A server that ignored the position would answer the newest records again and again.
    const stuck: ReadAllBackwards = async (_from, maxCount) => systemRun(1, maxCount).reverse();
    await expect(findHeadPosition(stuck, { firstPageSize: 10 })).resolves.toBeNull();
  });

  it('skips records without a position (links whose target is gone)', async () => {
    const { read } = log([own(1), system(2)], false);
    const withHoles: ReadAllBackwards = async (from, maxCount) => [{ position: undefined, system: false }, ...(await read(from, maxCount))];
    await expect(findHeadPosition(withHoles)).resolves.toBe(1n);
  });
});
