import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition } from '@clientele/platform/event-store';
import { matchesFilter } from '@clientele/platform/event-store';

export interface ReplayProgress {
  position: GlobalPosition | null;
  events: number;
  /** Per processor, the last event it was given (its filter matched). */
  lastHandled: Map<string, GlobalPosition>;
}

export interface ReplayOptions {
  /** Events read from the store at once. */
  pageSize?: number;
  /** Stop after this position (inclusive); default: the end of the store when each page is read. */
  until?: GlobalPosition;
  /** Called after each committed batch. */
  onBatch?: (progress: ReplayProgress) => void;
  /** Checked between batches: a rebuild stops cleanly (its checkpoint stays) when it turns true. */
  shouldStop?: () => boolean;
}

/**
 * Replays a projection set's events from `after` into `documents` (a routed store) in batches: a
 * page of events is read in one query, every processor handles each event in order, and the page's
 * writes commit with the checkpoint in one transaction (SQLite), where the processors also read
 * their own uncommitted writes. A crash loses at most the batch in flight; the checkpoint says
 * where to go on.
 */
export async function replay(
  events: EventStore,
  documents: DocumentStore,
  processors: readonly EventProcessor[],
  checkpointProcessor: string,
  after: GlobalPosition | null,
  options: ReplayOptions = {},
): Promise<ReplayProgress> {
  const pageSize = options.pageSize ?? 2000;
  const filter = unionFilter(processors);
  let position = after;
  let count = 0;
  const lastHandled = new Map<string, GlobalPosition>();
  for (;;) {
    if (options.shouldStop?.()) break;
    const page = await events.readAll({ after: position ?? undefined, maxCount: pageSize, filter });
    const inRange = options.until === undefined ? page : page.filter((event) => event.position <= options.until!);
    if (inRange.length === 0) break;
    const last = inRange[inRange.length - 1].position;
    await documents.batch(async () => {
      for (const event of inRange) {
        const writes: WriteOp[] = [];
        for (const processor of processors) {
          if (!matchesFilter(event, processor.filter)) continue;
          lastHandled.set(processor.name, event.position);
          writes.push(...(await processor.handle(event)));
        }
        if (writes.length > 0) await documents.commit(writes);
      }
      await documents.commit([{ op: 'checkpoint', processor: checkpointProcessor, position: last }]);
    });
    position = last;
    count += inRange.length;
    options.onBatch?.({ position, events: count, lastHandled });
    if (inRange.length < page.length || page.length < pageSize) break;
  }
  return { position, events: count, lastHandled };
}

/** The events any of the processors wants (none of them filtering means all). */
function unionFilter(processors: readonly EventProcessor[]) {
  if (processors.some((p) => !p.filter)) return undefined;
  const categories = processors.flatMap((p) => p.filter!.streamCategories ?? []);
  const types = processors.flatMap((p) => p.filter!.eventTypes ?? []);
  if (processors.some((p) => !p.filter!.streamCategories) && categories.length > 0) return undefined;
  if (processors.some((p) => !p.filter!.eventTypes) && types.length > 0) return undefined;
  return {
    streamCategories: categories.length > 0 ? [...new Set(categories)] : undefined,
    eventTypes: types.length > 0 ? [...new Set(types)] : undefined,
  };
}
