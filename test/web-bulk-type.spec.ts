import type { BulkChangeTypeResult } from '@clientele/clients/contracts';
import { inBulkChunks } from '../apps/web/src/bulk-type';

/** "Select all N matching" can hold more than the 500 ids one bulk call takes (issue 21). */
describe('inBulkChunks', () => {
  it('sends at most 500 ids a call, in order, and adds the answers up', async () => {
    const ids = Array.from({ length: 1203 }, (_, i) => `c${i}`);
    const calls: string[][] = [];
    const answer = await inBulkChunks(ids, async (chunk): Promise<BulkChangeTypeResult> => {
      calls.push(chunk);
      return {
        results: chunk.map((clientId) => ({ clientId, outcome: 'changed' })),
        summary: { changed: chunk.length, unchanged: 0, failed: 0, invitationsToSend: 1, accessRevoked: 2 },
      };
    });
    expect(calls.map((c) => c.length)).toEqual([500, 500, 203]);
    expect(calls.flat()).toEqual(ids);
    expect(answer.summary).toEqual({ changed: 1203, unchanged: 0, failed: 0, invitationsToSend: 3, accessRevoked: 6 });
    expect(answer.results).toHaveLength(1203);
  });

  it('makes one call for a small selection', async () => {
    const send = jest.fn(async (chunk: string[]): Promise<BulkChangeTypeResult> => ({ results: [], summary: { changed: chunk.length, unchanged: 0, failed: 0, invitationsToSend: 0, accessRevoked: 0 } }));
    expect((await inBulkChunks(['a', 'b'], send)).summary.changed).toBe(2);
    expect(send).toHaveBeenCalledTimes(1);
  });
});
