import { BSON } from 'mongodb';
import { CheckpointAheadError, encodeVersion } from '../document-store.port';
import { checkpointAhead, fencedCheckpointUpdate, swapFenceLift, swapFenceMark, swapFenceRelease } from './mongo-document-store';

/** The decisions of the MongoDB rebuild swap's fence, without a server (the contract suite races it on one). */
describe('MongoDB swap fence', () => {
  const fence = { id: 'swap-1', until: new Date('2026-01-01T00:05:00Z') };

  it('refuses the swap for a marked checkpoint past the rebuild, and only then', () => {
    expect(checkpointAhead('p', null, 10n)).toBeNull();
    expect(checkpointAhead('p', { _id: 'checkpoint_p', position: null }, 10n)).toBeNull();
    expect(checkpointAhead('p', { _id: 'checkpoint_p', position: '10' }, 10n)).toBeNull();
    expect(checkpointAhead('p', { _id: 'checkpoint_p', position: (2n ** 70n).toString() }, 10n)).toEqual(
      expect.objectContaining({ name: 'CheckpointAheadError', processor: 'p', position: 2n ** 70n }),
    );
    expect(checkpointAhead('p', { _id: 'checkpoint_p', position: '11' }, 10n)).toBeInstanceOf(CheckpointAheadError);
  });

  it('sends the mark as a BSON date the server compares with $$NOW, keeping the stored position', () => {
    const { update, options } = swapFenceMark('checkpoint_p', '$p', fence);
    const sent = BSON.deserialize(BSON.serialize({ u: update }));
    const merged = sent.u[0].$replaceWith.$mergeObjects;
    // The stored document ($$ROOT) overrides the defaults; the mark overrides both.
    expect(merged[1]).toBe('$$ROOT');
    expect(merged[2]._swap.$literal.until).toBeInstanceOf(Date);
    expect(merged[2]._swap.$literal.until.getTime()).toBe(fence.until.getTime());
    expect(merged[0].$literal.processor).toBe('$p');
    expect(options).toMatchObject({ upsert: true, returnDocument: 'after' });
  });

  it('tells a refused live checkpoint by its own marker only', () => {
    const first = fencedCheckpointUpdate('checkpoint_p', encodeVersion(5n), { processor: 'p', position: '5' }, 'm1');
    expect(first.refusal({ _id: 'checkpoint_p', _refused: 'm1' })).toBe(true);
    // A stamp left by an earlier refused attempt (without a transaction) is not this write's refusal.
    expect(first.refusal({ _id: 'checkpoint_p', _refused: 'm0' })).toBe(false);
    expect(first.refusal({ _id: 'checkpoint_p' })).toBe(false);
    expect(first.refusal(null)).toBe(false);
    const condition = first.update[0].$replaceWith.$cond;
    expect(condition.if).toEqual({ $gt: ['$_swap.until', '$$NOW'] });
    expect(condition.else.$cond.if).toEqual({ $lt: ['$_v', encodeVersion(5n)] });
  });

  it('lifts and releases only its own mark, releasing only while it is unexpired', () => {
    expect(swapFenceLift('checkpoint_p', fence.id).filter).toEqual({ _id: 'checkpoint_p', '_swap.id': 'swap-1' });
    const { filter, update } = swapFenceRelease('checkpoint_p', 'p', fence.id, 12n);
    expect(filter).toEqual({ _id: 'checkpoint_p', '_swap.id': 'swap-1', $expr: { $gt: ['$_swap.until', '$$NOW'] } });
    expect(update[0].$replaceWith.$literal).toEqual({ _id: 'checkpoint_p', processor: 'p', position: '12', _v: encodeVersion(12n), _deleted: false });
  });
});
