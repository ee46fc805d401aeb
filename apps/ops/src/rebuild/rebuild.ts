import type { ProjectionSet } from '@clientele/platform/application';
import { CheckpointAheadError, type DocumentStore } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition } from '@clientele/platform/event-store';
import { RebuildLock } from '../projection-replay/rebuild-lock';
import { replay } from '../projection-replay/replay';
import { RoutedDocumentStore } from '../projection-replay/routed-document-store';

export interface RebuildProgress {
  projection: string;
  /** Events replayed in this run. */
  events: number;
  position: GlobalPosition | null;
  head: GlobalPosition | null;
  /** Where this run started (a resumed rebuild starts past zero). */
  startedAt: GlobalPosition | null;
  phase: 'replaying' | 'catching-up' | 'swapping';
}

export interface RebuildOptions {
  /** Throw away a rebuild left unfinished and start from the first event. */
  restart?: boolean;
  onProgress?: (progress: RebuildProgress) => void;
  /** Checked between batches; true stops the rebuild, keeping its checkpoint to resume from. */
  shouldStop?: () => boolean;
  pageSize?: number;
}

export interface RebuildResult {
  projection: string;
  outcome: 'swapped' | 'interrupted';
  events: number;
  resumedFrom: GlobalPosition | null;
  position: GlobalPosition | null;
  seconds: number;
}

/** Shadow collections sit beside the live ones until the swap. */
export const shadowName = (collection: string): string => `${collection}__rebuild`;
export const rebuildCheckpoint = (set: ProjectionSet): string => `rebuild_${set.name}`;

/**
 * Rebuilds a projection set online. Its processors replay every event into shadow collections
 * while the services keep serving (and updating) the live ones; once the shadow has caught up
 * with the live checkpoints, one swap puts the shadow collections in place and moves the live
 * checkpoints to where the replay got, so the running services carry on from there (anything
 * they replay again is guarded by versions). An interrupted rebuild resumes from its own
 * checkpoint; a lock keeps a second rebuild of the same set from running at the same time.
 */
export async function rebuildProjection(
  events: EventStore,
  live: DocumentStore,
  /** The service's key store: the processors open personal data with its keys. */
  keys: DocumentStore,
  set: ProjectionSet,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const lock = await RebuildLock.acquire(live, set.name);
  try {
    const checkpoint = rebuildCheckpoint(set);
    const shadow = new RoutedDocumentStore(live, live, new Set(set.collections), shadowName, checkpoint);
    let resumedFrom = options.restart ? null : await live.getCheckpoint(checkpoint);
    if (resumedFrom === null) {
      // A fresh start: nothing of an earlier, abandoned attempt may remain in the shadow.
      for (const collection of set.collections) await shadow.dropCollection(collection);
      await live.commit([{ op: 'checkpoint', processor: checkpoint, position: null }]);
      resumedFrom = null;
    }
    const processors = set.processors(shadow, keys);
    let position = resumedFrom;
    let replayed = 0;
    let phase: RebuildProgress['phase'] = 'replaying';
    for (let attempt = 0; ; attempt++) {
      const head = await events.headPosition();
      const report = (at: GlobalPosition | null, count: number) =>
        options.onProgress?.({ projection: set.name, events: count, position: at, head, startedAt: resumedFrom, phase });
      const result = await replay(events, shadow, processors, checkpoint, position, {
        pageSize: options.pageSize,
        shouldStop: options.shouldStop,
        onBatch: (progress) => report(progress.position, replayed + progress.events),
      });
      replayed += result.events;
      position = result.position ?? position;
      if (options.shouldStop?.()) {
        return { projection: set.name, outcome: 'interrupted', events: replayed, resumedFrom, position, seconds: (Date.now() - started) / 1000 };
      }
      phase = 'swapping';
      report(position, replayed);
      try {
        await live.swapCollections(
          set.collections.map((collection) => ({ live: collection, replacement: shadowName(collection) })),
          { processors: processors.map((p) => p.name), position: position ?? 0n, reset: [checkpoint] },
        );
        return { projection: set.name, outcome: 'swapped', events: replayed, resumedFrom, position, seconds: (Date.now() - started) / 1000 };
      } catch (error) {
        // The services moved on while we replayed: catch up with them and try again.
        if (!(error instanceof CheckpointAheadError) || attempt >= 50) throw error;
        phase = 'catching-up';
      }
    }
  } finally {
    await lock.release();
  }
}
