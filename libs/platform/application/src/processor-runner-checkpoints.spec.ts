import type { WriteOp } from '@clientele/platform/document-store';
import { ProcessorCheckpoints } from './processor-runner-checkpoints';

describe('ProcessorCheckpoints', () => {
  const setUp = (everyMs = 50) => {
    const commits: WriteOp[][] = [];
    const errors: unknown[] = [];
    let failing = false;
    const checkpoints = new ProcessorCheckpoints(
      'counter',
      async (ops) => {
        if (failing) throw new Error('store unreachable');
        commits.push(ops);
      },
      everyMs,
      (error) => errors.push(error),
    );
    return { checkpoints, commits, errors, fail: () => (failing = true) };
  };
  const upsert: WriteOp = { op: 'upsert', collection: 'seen', doc: { id: 'a' } };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("commits an event's writes and its position in one commit, leaving nothing to save", async () => {
    const { checkpoints, commits } = setUp();
    await checkpoints.commitWith([upsert], 7n);
    await checkpoints.save();
    expect(commits).toEqual([[upsert, { op: 'checkpoint', processor: 'counter', position: 7n }]]);
  });

  it('holds the position of an event without writes, and saves the latest one shortly after', async () => {
    const { checkpoints, commits } = setUp(30);
    await checkpoints.commitWith([], 3n);
    await checkpoints.commitWith([], 4n);
    expect(commits).toEqual([]);
    await pause(80);
    expect(commits).toEqual([[{ op: 'checkpoint', processor: 'counter', position: 4n }]]);
  });

  it('saves a held position at once when asked (before stopping), and only once', async () => {
    const { checkpoints, commits } = setUp(30);
    await checkpoints.commitWith([], 5n);
    await checkpoints.save();
    await pause(60);
    expect(commits).toEqual([[{ op: 'checkpoint', processor: 'counter', position: 5n }]]);
  });

  it('forgets a discarded position: nothing is saved', async () => {
    const { checkpoints, commits } = setUp(20);
    await checkpoints.commitWith([], 5n);
    checkpoints.discard();
    await pause(50);
    await checkpoints.save();
    expect(commits).toEqual([]);
  });

  it('reports a save on the timer that fails', async () => {
    const { checkpoints, errors, fail } = setUp(20);
    fail();
    await checkpoints.commitWith([], 5n);
    await pause(50);
    expect(errors).toEqual([new Error('store unreachable')]);
  });
});
