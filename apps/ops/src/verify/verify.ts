import type { ProjectionSet } from '@clientele/platform/application';
import { SqliteDocumentStore, type Document, type DocumentStore } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition } from '@clientele/platform/event-store';
import { createHash } from 'node:crypto';
import { replay } from '../projection-replay/replay';
import { RoutedDocumentStore } from '../projection-replay/routed-document-store';

export interface DocumentDifference {
  collection: string;
  id: string;
  kind: 'changed' | 'missing' | 'unexpected';
  liveHash?: string;
  replayHash?: string;
  /** Top-level fields whose values differ, for `changed`. */
  fields?: string[];
}

export interface VerifyResult {
  projection: string;
  position: GlobalPosition | null;
  documents: number;
  differences: DocumentDifference[];
  /** Live checkpoints still behind the replay when the comparison was made: differences may only be lag. */
  lagging: string[];
}

const SCRATCH_CHECKPOINT = 'verify';

/**
 * Replays a projection set into a scratch store in memory and compares every document with the
 * live read model by a content hash. The live read model may move on meanwhile; a document that
 * differs is replayed and compared again (up to three rounds) before it is reported.
 */
export async function verifyProjection(
  events: EventStore,
  live: DocumentStore,
  /** The service's key store: the processors open personal data with its keys. */
  keys: DocumentStore,
  set: ProjectionSet,
  options: { settleMs?: number } = {},
): Promise<VerifyResult> {
  const scratch = new SqliteDocumentStore({ filename: ':memory:' });
  try {
    const routed = new RoutedDocumentStore(live, scratch, new Set(set.collections), (c) => c, SCRATCH_CHECKPOINT);
    const processors = set.processors(routed, keys);
    let position: GlobalPosition | null = null;
    let differences: DocumentDifference[] = [];
    let documents = 0;
    let lagging: string[] = [];
    const lastHandled = new Map<string, GlobalPosition>();
    for (let round = 0; round < 3; round++) {
      const result = await replay(events, routed, processors, SCRATCH_CHECKPOINT, position);
      position = result.position ?? position;
      result.lastHandled.forEach((at, processor) => lastHandled.set(processor, at));
      lagging = await waitForLive(live, lastHandled, options.settleMs ?? 3000);
      ({ differences, documents } = await compare(live, scratch, set.collections));
      if (differences.length === 0) break;
      const head = await events.headPosition();
      if (head === position) break;
    }
    return { projection: set.name, position, documents, differences, lagging };
  } finally {
    await scratch.close();
  }
}

/** Waits (briefly) for the live processors to reach the replayed position; names those that did not. */
async function waitForLive(
  live: DocumentStore,
  lastHandled: ReadonlyMap<string, GlobalPosition>,
  settleMs: number,
): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const behind: string[] = [];
    for (const [processor, position] of lastHandled) {
      const checkpoint = await live.getCheckpoint(processor);
      if (checkpoint === null || checkpoint < position) behind.push(processor);
    }
    if (behind.length === 0 || Date.now() >= deadline) return behind;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function compare(
  live: DocumentStore,
  scratch: DocumentStore,
  collections: readonly string[],
): Promise<{ differences: DocumentDifference[]; documents: number }> {
  const differences: DocumentDifference[] = [];
  let documents = 0;
  for (const collection of collections) {
    const liveDocs = byId(await live.collection(collection).find());
    const replayDocs = byId(await scratch.collection(collection).find());
    documents += replayDocs.size;
    for (const [id, replayed] of replayDocs) {
      const current = liveDocs.get(id);
      if (!current) {
        differences.push({ collection, id, kind: 'missing', replayHash: contentHash(replayed) });
        continue;
      }
      const liveHash = contentHash(current);
      const replayHash = contentHash(replayed);
      if (liveHash !== replayHash) {
        const fields = [...new Set([...Object.keys(current), ...Object.keys(replayed)])]
          .filter((field) => canonical(current[field]) !== canonical(replayed[field]))
          .sort();
        differences.push({ collection, id, kind: 'changed', liveHash, replayHash, fields });
      }
    }
    for (const [id, current] of liveDocs) {
      if (!replayDocs.has(id)) differences.push({ collection, id, kind: 'unexpected', liveHash: contentHash(current) });
    }
  }
  return { differences, documents };
}

function byId(docs: Document[]): Map<string, Document> {
  return new Map(docs.map((doc) => [doc.id, doc]));
}

/** SHA-256 of the document's canonical JSON (keys sorted at every level), first 16 hex digits. */
export function contentHash(doc: unknown): string {
  return createHash('sha256').update(canonical(doc)).digest('hex').slice(0, 16);
}

export function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
