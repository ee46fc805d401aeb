import type { AppendResult as EsdbAppendResult } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError } from '../errors';
import type { NewEvent, RecordedEvent, StreamRevision } from '../event-store.port';
import { AppendReadBack, settleAppend } from './esdb-append';

const STREAM = 'client-1';
const newEvent = (): NewEvent => ({ id: randomUUID(), type: 'Happened', data: {} });

/** A stream as the server holds it, read back the way the adapter reads it (newest first). */
function stream(stored: readonly { id: string; position: bigint }[], head: bigint | null = null) {
  const events: RecordedEvent[] = stored.map((event, revision) => ({
    id: event.id,
    type: 'Happened',
    streamName: STREAM,
    revision,
    position: event.position,
    data: {},
    metadata: {},
    recordedAt: new Date(0),
  }));
  const reads: { from: StreamRevision | 'end'; maxCount: number }[] = [];
  const readBack: AppendReadBack = {
    async readBackwards(from, maxCount) {
      reads.push({ from, maxCount });
      const last = from === 'end' ? events.length - 1 : Math.min(from, events.length - 1);
      return events.slice(Math.max(0, last - maxCount + 1), last + 1).reverse();
    },
    headPosition: async () => head,
  };
  return { readBack, reads };
}

describe('EventStoreDB append: what the client answers is checked, not trusted', () => {
  describe('a refused append with throwOnAppendFailure=false', () => {
    it('reports the revision the stream really has, not the client batch append one', async () => {
      const stored = Array.from({ length: 7 }, (_, i) => ({ id: randomUUID(), position: BigInt(100 + i) }));
      const { readBack } = stream(stored);
      // What client 6.x resolves with for a stream at revision 6: BigInt(hasCurrentStreamRevision()) is 1n.
      const answer: EsdbAppendResult = { success: false, nextExpectedRevision: 1n, position: undefined };
      const settled = settleAppend(STREAM, [newEvent()], 3, answer, undefined, readBack);
      await expect(settled).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(settled).rejects.toMatchObject({ streamName: STREAM, expected: 3, actual: 6, code: 'concurrency_conflict' });
    });

    it('reports no_stream when the stream does not exist (or was deleted)', async () => {
      const { readBack } = stream([]);
      const answer: EsdbAppendResult = { success: false, nextExpectedRevision: 1n, position: undefined };
      await expect(settleAppend(STREAM, [newEvent()], 'stream_exists', answer, undefined, readBack)).rejects.toMatchObject({
        actual: 'no_stream',
      });
    });
  });

  describe('a successful append', () => {
    it('takes the position the server answered, without reading anything', async () => {
      const { readBack, reads } = stream([]);
      const answer: EsdbAppendResult = { success: true, nextExpectedRevision: 4n, position: { commit: 9n, prepare: 9n } };
      await expect(settleAppend(STREAM, [newEvent()], 3, answer, 77n, readBack)).resolves.toEqual({ nextExpectedRevision: 4, position: 77n });
      expect(reads).toEqual([]);
    });

    it('finds the position of an idempotent retry the server answered without one, by the batch last event id', async () => {
      const batch = [newEvent(), newEvent()];
      const stored = [
        { id: randomUUID(), position: 10n },
        { id: batch[0].id, position: 20n },
        { id: batch[1].id, position: 21n },
        { id: randomUUID(), position: 30n },
      ];
      const { readBack } = stream(stored);
      const answer: EsdbAppendResult = { success: true, nextExpectedRevision: 2n, position: undefined };
      await expect(settleAppend(STREAM, batch, 0, answer, undefined, readBack)).resolves.toEqual({ nextExpectedRevision: 2, position: 21n });
    });

    it('looks at the end of the stream when the batch is not where the server says it ends', async () => {
      const batch = [newEvent()];
      const stored = [{ id: randomUUID(), position: 10n }, { id: randomUUID(), position: 11n }, { id: batch[0].id, position: 12n }];
      const { readBack } = stream(stored);
      const answer: EsdbAppendResult = { success: true, nextExpectedRevision: 0n, position: undefined };
      await expect(settleAppend(STREAM, batch, 'any', answer, undefined, readBack)).resolves.toEqual({ nextExpectedRevision: 0, position: 12n });
    });

    it('is still a success when the retried events are in a stream deleted since: the head of $all is its position', async () => {
      const { readBack } = stream([], 555n);
      const answer: EsdbAppendResult = { success: true, nextExpectedRevision: 0n, position: undefined };
      await expect(settleAppend(STREAM, [newEvent()], 'no_stream', answer, undefined, readBack)).resolves.toEqual({
        nextExpectedRevision: 0,
        position: 555n,
      });
    });
  });
});
