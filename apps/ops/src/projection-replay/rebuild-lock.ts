import { DocumentStore, DuplicateDocumentError } from '@clientele/platform/document-store';
import { hostname } from 'node:os';

const LOCKS = 'ops_locks';
/** A lock whose holder has not been heard of for this long, on another machine, is taken over. */
const STALE_AFTER_MS = 60_000;
const HEARTBEAT_MS = 5_000;

interface LockDoc {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  [field: string]: unknown;
}

export class RebuildAlreadyRunningError extends Error {
  constructor(readonly holder: LockDoc) {
    super(`a rebuild of this projection is already running (process ${holder.pid} on ${holder.host}, since ${holder.startedAt}); wait for it to finish`);
    this.name = 'RebuildAlreadyRunningError';
  }
}

/**
 * One rebuild per projection set at a time, across machines: a lock document in the service's
 * store, created with an insert (which only one process can win), kept fresh by a heartbeat. A
 * holder that died (its process is gone on this machine, or its heartbeat stopped elsewhere) does
 * not block the next rebuild, which then resumes its work.
 */
export class RebuildLock {
  private heartbeat: NodeJS.Timeout | null = null;

  private constructor(
    private readonly documents: DocumentStore,
    private readonly doc: LockDoc,
  ) {}

  static async acquire(documents: DocumentStore, name: string): Promise<RebuildLock> {
    const now = new Date().toISOString();
    const doc: LockDoc = { id: `rebuild_${name}`, host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await documents.commit([{ op: 'insert', collection: LOCKS, doc }]);
        const lock = new RebuildLock(documents, doc);
        lock.heartbeat = setInterval(() => void lock.beat(), HEARTBEAT_MS).unref();
        return lock;
      } catch (error) {
        if (!(error instanceof DuplicateDocumentError)) throw error;
        const holder = await documents.collection<LockDoc>(LOCKS).get(doc.id);
        if (holder && !isStale(holder)) throw new RebuildAlreadyRunningError(holder);
        await documents.commit([{ op: 'delete', collection: LOCKS, id: doc.id }]);
      }
    }
    const holder = await documents.collection<LockDoc>(LOCKS).get(doc.id);
    throw new RebuildAlreadyRunningError(holder ?? doc);
  }

  async release(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    const current = await this.documents.collection<LockDoc>(LOCKS).get(this.doc.id);
    if (current && current.pid === this.doc.pid && current.host === this.doc.host) {
      await this.documents.commit([{ op: 'delete', collection: LOCKS, id: this.doc.id }]);
    }
  }

  private async beat(): Promise<void> {
    await this.documents
      .commit([{ op: 'patch', collection: LOCKS, id: this.doc.id, set: { heartbeatAt: new Date().toISOString() } }])
      .catch(() => undefined);
  }
}

function isStale(holder: LockDoc): boolean {
  if (holder.host === hostname()) return !processIsAlive(holder.pid);
  return Date.now() - Date.parse(holder.heartbeatAt) > STALE_AFTER_MS;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
