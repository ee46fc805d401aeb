import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';

interface Projection {
  handle(event: RecordedEvent): Promise<readonly WriteOp[]>;
}

/**
 * Applies every event once, snapshots the given collections, applies every event a second time
 * and answers both snapshots: a projection is idempotent when they are equal.
 */
export async function applyTwice(
  store: DocumentStore,
  projection: Projection,
  events: readonly RecordedEvent[],
  collections: readonly string[],
): Promise<{ once: unknown; twice: unknown }> {
  const snapshot = async () =>
    Object.fromEntries(
      await Promise.all(collections.map(async (name) => [name, await store.collection(name).find({}, { sort: [['id', 1]] })] as const)),
    );
  for (const event of events) await store.commit(await projection.handle(event));
  const once = await snapshot();
  for (const event of events) await store.commit(await projection.handle(event));
  return { once, twice: await snapshot() };
}
