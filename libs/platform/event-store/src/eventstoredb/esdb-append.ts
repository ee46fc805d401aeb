import type { AppendResult as EsdbAppendResult } from '@eventstore/db-client';
import { WrongExpectedRevisionError } from '../errors';
import type { AppendResult, ExpectedRevision, GlobalPosition, NewEvent, RecordedEvent, StreamRevision } from '../event-store.port';

/** The reads `settleAppend` may need after the server answered, each one round trip. */
export interface AppendReadBack {
  /** Up to `maxCount` events of the stream, newest first, from `fromRevision` (or its end) backwards. */
  readBackwards(fromRevision: StreamRevision | 'end', maxCount: number): Promise<RecordedEvent[]>;
  /** The newest event of `$all` that is not EventStoreDB's own, or null. */
  headPosition(): Promise<GlobalPosition | null>;
}

/** How far back from the stream's end a batch whose position the server left out is looked for. */
const LOOK_BACK = 100;

/**
 * Turns the client's answer to an append into the port's, without trusting the two parts of it
 * that are wrong in practice:
 *
 * - With `throwOnAppendFailure=false` in the connection string the client resolves a refused
 *   append with `success: false` and, from its batch append, `nextExpectedRevision: 1n` whatever
 *   the stream holds (client 6.x converts `hasCurrentStreamRevision()`, a boolean, to a bigint).
 *   The stream's real last revision is read here instead.
 * - For an idempotent retry the server can leave the position out (it answers "no position" when
 *   the original events are in a stream deleted since, KurrentDB #4058/#4059). The append did
 *   succeed: the position is that of the batch's last event, found by its id; when those events
 *   cannot be read any more, nothing of the append is left to wait for and the head of `$all` is
 *   the position (whatever a caller waits for has happened by then).
 *
 * `position` is the client's, already screened: undefined when the server sent none or a
 * placeholder.
 */
export async function settleAppend(
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  result: Pick<EsdbAppendResult, 'success' | 'nextExpectedRevision'>,
  position: GlobalPosition | undefined,
  readBack: AppendReadBack,
): Promise<AppendResult> {
  if (!result.success) {
    const [last] = await readBack.readBackwards('end', 1);
    throw new WrongExpectedRevisionError(streamName, expected, last ? last.revision : 'no_stream');
  }

  const nextExpectedRevision = Number(result.nextExpectedRevision);
  if (position !== undefined) return { nextExpectedRevision, position };

  const lastId = events[events.length - 1].id;
  // Where the server says the batch ends, then the stream's end (should it have counted otherwise).
  const windows: [StreamRevision | 'end', number][] = [
    [nextExpectedRevision, events.length],
    ['end', LOOK_BACK],
  ];
  for (const [from, maxCount] of windows) {
    const found = (await readBack.readBackwards(from, maxCount)).find((event) => event.id === lastId);
    if (found) return { nextExpectedRevision, position: found.position };
  }
  return { nextExpectedRevision, position: (await readBack.headPosition()) ?? 0n };
}

