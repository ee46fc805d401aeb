import { DocumentStore, DuplicateDocumentError, encodeVersion } from '@clientele/platform/document-store';
import { createHash, randomBytes } from 'node:crypto';

/** The collection of the subjects' keys, in a service's key store. */
export const SUBJECT_KEYS = 'subject_keys';

/**
 * The shred log, in the same key store: one entry per shredding commit (`id` = its sequence number,
 * fixed-width hex, gap-free; `subjects` = the SHA-256 digests of the ids whose keys that commit
 * destroyed), written in the same transaction as the deletion of the keys. Replicas read it to drop
 * shredded keys from their caches (see `KeyStore`). It holds neither a key nor a subject's id.
 */
export const KEY_SHREDS = 'key_shreds';

/**
 * How long after a shredding commits another replica may still use the key from its cache, at most
 * (docs/ERASURE.md). Every process checks the shred log at most every half of it while it uses keys
 * (one query, whatever the number of keys), and never uses a cached key once its last check is
 * older than this: it checks first.
 */
export const SHRED_BOUND_MS = 1000;

/** Shred-log entries read per check; more new entries than that at once and the whole cache goes. */
const SHRED_PAGE = 500;

interface KeyDoc {
  id: string;
  key: string;
  createdAt: string;
  [field: string]: unknown;
}

interface ShredDoc {
  id: string;
  subjects: string[];
  shreddedAt: string;
  [field: string]: unknown;
}

interface NewKey {
  key: Buffer;
  waiters: Array<{ resolve(key: Buffer): void; reject(error: unknown): void }>;
}

export interface KeyStoreOptions {
  collection?: string;
  cacheSize?: number;
  /** See SHRED_BOUND_MS (tests choose their own). */
  shredBoundMs?: number;
  /** A monotonic clock in milliseconds (tests move it by hand). */
  now?: () => number;
}

/** One state per key store (document store and collection) in this process, whoever constructs a `KeyStore` over it. */
const sharedKeys = new WeakMap<DocumentStore, Map<string, SubjectKeys>>();

/**
 * One 256-bit key per data subject (a client), kept apart from the event store and from the read
 * models: in the service's own key store (`keys.sqlite`, or a key database of its own; see
 * docs/ERASURE.md), which backups of the event store do not contain. Destroying the key is what
 * makes a subject's personal data unreadable in every copy of the events, so that store must
 * really forget a deleted row (the SQLite adapter zeroes it and truncates its WAL).
 *
 * Keys are cached in memory. Every `KeyStore` over the same document store in a process shares one
 * cache, so a shredding takes the key out of all of them at once. Other processes (replicas of the
 * service over the same store) learn of it from the shred log (KEY_SHREDS) within SHRED_BOUND_MS:
 * see `SubjectKeys`. The options of the first `KeyStore` over a store are the ones that hold.
 */
export class KeyStore {
  private readonly keys: SubjectKeys;

  constructor(documents: DocumentStore, options: KeyStoreOptions = {}) {
    const collection = options.collection ?? SUBJECT_KEYS;
    let byCollection = sharedKeys.get(documents);
    if (!byCollection) sharedKeys.set(documents, (byCollection = new Map()));
    let keys = byCollection.get(collection);
    if (!keys) byCollection.set(collection, (keys = new SubjectKeys(documents, collection, options)));
    this.keys = keys;
  }

  /** The subject's key, created on first use (concurrent first uses agree on one key). */
  keyFor(subjectId: string): Promise<Buffer> {
    return this.keys.keyFor(subjectId);
  }

  /** Creates the keys of many new subjects in one durable write (an import), then answers from the cache. */
  prepare(subjectIds: readonly string[]): Promise<void> {
    return this.keys.prepare(subjectIds);
  }

  /** The subject's key, or null once it was destroyed (or never existed). */
  find(subjectId: string): Promise<Buffer | null> {
    return this.keys.find(subjectId);
  }

  /**
   * Irreversible: every value encrypted with this key becomes unreadable, in this process at once,
   * in every other process over the same key store within SHRED_BOUND_MS of the returned promise.
   */
  destroy(subjectId: string): Promise<void> {
    return this.keys.destroy(subjectId);
  }
}

/**
 * The keys of one key store in this process: the cache, the keys being created, and what this
 * process knows of the shred log.
 *
 * Why a cached key is never used more than SHRED_BOUND_MS after its shredding committed anywhere:
 * a check reads the log entries after the last one seen and drops their subjects from the cache;
 * `checkedAt` is when the last completed check *started*, so every shredding committed before then
 * is out of the cache (the log is gap-free: entry n+1 is written only by whoever read entry n, so a
 * reader that sees an entry sees every earlier one). A cached key is used only while `checkedAt` is
 * younger than the bound; otherwise the use waits for a check (and reads the store if even that is
 * too old). A read of the store that a check overtook does not cache what it read (`epoch`), nor
 * does a read before the first check (which empties the cache: it did not see the older entries).
 * In the process that shreds, the key leaves the cache before and after the commit.
 *
 * The hot path stays in memory: a cache hit costs a clock read, and a check (one indexed query, not
 * one per key) starts in the background once the last one is half the bound old.
 */
class SubjectKeys {
  private readonly cache = new Map<string, Buffer>();
  /** The keys being created this turn of the event loop (see `create`); a holder, never replaced. */
  private readonly creating: { batch: Map<string, NewKey> | null } = { batch: null };
  /**
   * New keys whose commit is not answered yet. The row may already be readable in the store while
   * its commit waits for the disk (SQLite syncs the WAL after COMMIT): a `find` waits for the
   * answer, so no value is sealed with a key a power cut could still take back.
   */
  private readonly unanswered = new Map<string, Promise<unknown>>();
  private readonly cacheSize: number;
  private readonly boundMs: number;
  private readonly now: () => number;
  /** Moves whenever keys leave the cache for a shredding: a read that began before must not cache its key. */
  private epoch = 0;
  /** The id of the last shred-log entry this process applied; undefined before the first check. */
  private seen: string | undefined;
  /** When the last completed check started (on `now`'s clock). */
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | null = null;
  /** The subjects waiting for the next shredding commit, and that commit; one commit at a time. */
  private shredding: { subjects: Set<string>; done: Promise<void> } | null = null;
  private shredTail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly documents: DocumentStore,
    private readonly collection: string,
    options: KeyStoreOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.boundMs = options.shredBoundMs ?? SHRED_BOUND_MS;
    this.now = options.now ?? (() => performance.now());
  }

  async keyFor(subjectId: string): Promise<Buffer> {
    const existing = await this.find(subjectId);
    if (existing) return existing;
    return this.create(subjectId);
  }

  /**
   * New keys asked for in the same turn of the event loop (concurrent commands each adding a
   * client) are written in one commit: one fsync for all of them instead of one each (issue 23's
   * profile: the key store's commits were a tenth of an embedded AddClient's CPU). None is answered
   * before that commit is durable. A duplicate among them (a key another replica or request
   * created first) fails the group; then each is written alone, and the first writer's key wins.
   */
  private create(subjectId: string): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let batch = this.creating.batch;
      if (!batch) {
        const started = new Map<string, NewKey>();
        batch = this.creating.batch = started;
        setImmediate(() => void this.writeBatch(started));
      }
      const entry = batch.get(subjectId) ?? { key: randomBytes(32), waiters: [] };
      entry.waiters.push({ resolve, reject });
      batch.set(subjectId, entry);
    });
  }

  private async writeBatch(batch: Map<string, NewKey>): Promise<void> {
    if (this.creating.batch === batch) this.creating.batch = null;
    const createdAt = new Date().toISOString();
    const epoch = this.epoch;
    try {
      await this.answered(
        [...batch.keys()],
        this.documents.commit(
          [...batch].map(([id, { key }]) => ({ op: 'insert' as const, collection: this.collection, doc: { id, key: key.toString('base64'), createdAt } })),
        ),
      );
      for (const [id, entry] of batch) {
        this.remember(id, entry.key, epoch);
        for (const waiter of entry.waiters) waiter.resolve(entry.key);
      }
    } catch (error) {
      for (const [id, entry] of batch) {
        const alone = error instanceof DuplicateDocumentError ? this.createAlone(id, entry.key) : Promise.reject(error);
        alone.then(
          (key) => entry.waiters.forEach((waiter) => waiter.resolve(key)),
          (failure: unknown) => entry.waiters.forEach((waiter) => waiter.reject(failure)),
        );
      }
    }
  }

  /** One key written on its own; when the subject has one already, that one. */
  private async createAlone(subjectId: string, key: Buffer): Promise<Buffer> {
    const epoch = this.epoch;
    try {
      await this.answered(
        [subjectId],
        this.documents.commit([
          { op: 'insert', collection: this.collection, doc: { id: subjectId, key: key.toString('base64'), createdAt: new Date().toISOString() } },
        ]),
      );
      this.remember(subjectId, key, epoch);
      return key;
    } catch (error) {
      if (!(error instanceof DuplicateDocumentError)) throw error;
      const winner = await this.find(subjectId);
      if (!winner) throw new Error(`the key of ${subjectId} was destroyed while it was being created`);
      return winner;
    }
  }

  async prepare(subjectIds: readonly string[]): Promise<void> {
    const missing: Array<{ id: string; key: Buffer }> = [];
    for (const id of new Set(subjectIds)) if (!(await this.find(id))) missing.push({ id, key: randomBytes(32) });
    if (missing.length === 0) return;
    const createdAt = new Date().toISOString();
    const epoch = this.epoch;
    try {
      await this.answered(
        missing.map(({ id }) => id),
        this.documents.commit(
          missing.map(({ id, key }) => ({ op: 'insert' as const, collection: this.collection, doc: { id, key: key.toString('base64'), createdAt } })),
        ),
      );
      for (const { id, key } of missing) this.remember(id, key, epoch);
    } catch (error) {
      if (!(error instanceof DuplicateDocumentError)) throw error;
      // Someone created one of them meanwhile: fall back to one at a time.
      for (const { id } of missing) await this.keyFor(id);
    }
  }

  /** `commit`, during which `find` of these subjects waits for it (see `unanswered`). */
  private async answered(subjectIds: readonly string[], commit: Promise<void>): Promise<void> {
    for (const id of subjectIds) this.unanswered.set(id, commit);
    try {
      await commit;
    } finally {
      for (const id of subjectIds) if (this.unanswered.get(id) === commit) this.unanswered.delete(id);
    }
  }

  async find(subjectId: string): Promise<Buffer | null> {
    const unanswered = this.unanswered.get(subjectId);
    if (unanswered) await unanswered.catch(() => undefined);
    if (this.cache.has(subjectId) && (await this.cacheIsFresh())) {
      // The check may have dropped it meanwhile.
      const cached = this.cache.get(subjectId);
      if (cached) return cached;
    }
    const epoch = this.epoch;
    const doc = await this.documents.collection<KeyDoc>(this.collection).get(subjectId);
    if (!doc) return null;
    const key = Buffer.from(doc.key, 'base64');
    this.remember(subjectId, key, epoch);
    return key;
  }

  /**
   * Whether cached keys may be used now: the last check started less than the bound ago. Starts a
   * check in the background once it is half that old; waits for one when it is older.
   */
  private async cacheIsFresh(): Promise<boolean> {
    const age = this.now() - this.checkedAt;
    if (age < this.boundMs / 2) return true;
    const check = this.check();
    if (age < this.boundMs) {
      check.catch(() => undefined); // a failed check is retried by the next use, and waited for once the bound is reached
      return true;
    }
    await check.catch(() => undefined);
    return this.now() - this.checkedAt < this.boundMs;
  }

  /** Reads the shred log since the last entry seen (one check at a time; callers share it). */
  private check(): Promise<void> {
    this.checking ??= this.readShreds().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async readShreds(): Promise<void> {
    const startedAt = this.now();
    const log = this.documents.collection<ShredDoc>(KEY_SHREDS);
    if (this.seen === undefined) {
      // The first check: what was cached before it may have been shredded by an entry older than the last one.
      const [last] = await log.find({}, { sort: [['id', -1]], limit: 1 });
      this.forgetAll();
      this.seen = last?.id ?? '';
    } else {
      const entries = await log.find({ id: { $gt: this.seen } }, { sort: [['id', 1]], limit: SHRED_PAGE });
      if (entries.length > 0) {
        // A full page (entries beyond it unseen) or a gap (entries removed from the log): forget everything.
        if (entries.length === SHRED_PAGE || entries[0].id !== nextShredId(this.seen)) this.forgetAll();
        else this.forgetDigests(new Set(entries.flatMap((entry) => entry.subjects)));
        this.epoch++;
        this.seen = entries[entries.length - 1].id;
      }
    }
    this.checkedAt = Math.max(this.checkedAt, startedAt);
  }

  /** Drops the cached keys of the subjects with these digests (a digest per cached key, only when something was shredded). */
  private forgetDigests(digests: ReadonlySet<string>): void {
    for (const subjectId of [...this.cache.keys()]) if (digests.has(subjectDigest(subjectId))) this.cache.delete(subjectId);
  }

  private forgetAll(): void {
    this.cache.clear();
    this.epoch++;
  }

  async destroy(subjectId: string): Promise<void> {
    this.forget(subjectId);
    let pending = this.shredding;
    if (!pending) {
      const subjects = new Set<string>();
      const done = this.shredTail.then(() => {
        if (this.shredding?.subjects === subjects) this.shredding = null;
        return this.writeShreds([...subjects]);
      });
      pending = this.shredding = { subjects, done };
      this.shredTail = done.catch(() => undefined);
    }
    pending.subjects.add(subjectId);
    await pending.done;
    // Again once it is gone: a read that raced the delete may have cached the key meanwhile.
    this.forget(subjectId);
  }

  private forget(subjectId: string): void {
    this.cache.delete(subjectId);
    this.epoch++;
  }

  /**
   * Deletes the keys and appends their entry to the shred log, in one commit. The entry takes the
   * number after the last one; when another replica took that number first, the insert fails and
   * the commit is tried again with the next. Without transactions (a standalone MongoDB) the
   * deletions apply first, so a retry only deletes again.
   */
  private async writeShreds(subjects: string[]): Promise<void> {
    const log = this.documents.collection<ShredDoc>(KEY_SHREDS);
    for (let attempt = 1; ; attempt++) {
      const [last] = await log.find({}, { sort: [['id', -1]], limit: 1 });
      const entry: ShredDoc = { id: nextShredId(last?.id ?? ''), subjects: subjects.map(subjectDigest), shreddedAt: new Date().toISOString() };
      try {
        await this.documents.commit([
          ...subjects.map((id) => ({ op: 'delete' as const, collection: this.collection, id })),
          { op: 'insert', collection: KEY_SHREDS, doc: entry },
        ]);
        return;
      } catch (error) {
        if (!(error instanceof DuplicateDocumentError && error.collection === KEY_SHREDS) || attempt >= 100) throw error;
      }
    }
  }

  /** Caches a key read or written since `epoch`, unless a shredding was seen meanwhile. */
  private remember(subjectId: string, key: Buffer, epoch: number): void {
    if (epoch !== this.epoch) return;
    if (this.cache.size >= this.cacheSize && !this.cache.has(subjectId)) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(subjectId, key);
  }
}

/** How the shred log names a subject: a digest of its id, so that the key store keeps no trace of a shredded subject's id. */
function subjectDigest(subjectId: string): string {
  return createHash('sha256').update(subjectId, 'utf8').digest('base64url');
}

/** The shred-log id after `last` ('' for none): the sequence number, as fixed-width hex. */
function nextShredId(last: string): string {
  return encodeVersion((last === '' ? 0n : BigInt(`0x${last}`)) + 1n);
}

/**
 * Moves the keys an earlier version kept in a service's read models into its key store, then
 * deletes them from the read models (which zero what they delete). Idempotent, and cheap once done
 * (one empty read): the host and the ops tool run it whenever they open a service's stores. Run it
 * with every replica of the service stopped, so no older replica creates a key in the read models
 * afterwards. A key already in the key store wins; the two are the same key unless such a replica ran.
 */
export async function moveKeysApart(readModels: DocumentStore, keys: DocumentStore, pageSize = 500): Promise<number> {
  let moved = 0;
  for (;;) {
    const page = await readModels.collection<KeyDoc>(SUBJECT_KEYS).find({}, { limit: pageSize });
    if (page.length === 0) return moved;
    try {
      await keys.commit(page.map((doc) => ({ op: 'insert' as const, collection: SUBJECT_KEYS, doc })));
    } catch (error) {
      if (!(error instanceof DuplicateDocumentError)) throw error;
      // An earlier, interrupted move got some of them there already: one at a time.
      for (const doc of page) {
        await keys.commit([{ op: 'insert', collection: SUBJECT_KEYS, doc }]).catch((failure: unknown) => {
          if (!(failure instanceof DuplicateDocumentError)) throw failure;
        });
      }
    }
    await readModels.commit(page.map((doc) => ({ op: 'delete' as const, collection: SUBJECT_KEYS, id: doc.id })));
    moved += page.length;
  }
}
