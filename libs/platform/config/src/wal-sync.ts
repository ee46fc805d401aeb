import { closeSync, fsyncSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fsyncThread } from './fsync-thread';
import { isSqliteFile } from './private-files';

/** How a `WalSync` flushes a file to disk (the process's fsync thread by default; specs hold it to watch the order). */
export type FileSync = (fd: number) => Promise<void>;

/** How a `WalSync` flushes a file on the caller's own thread, while the event loop has nothing else to do (`fsyncSync` by default). */
export type InlineSync = (fd: number) => void;

/**
 * Starts a window over the event loop; the function it returns tells the share of the window the
 * loop spent working rather than waiting (`performance.eventLoopUtilization` by default).
 */
export type LoopWindow = () => () => number;

export interface WalSyncOptions {
  /** Replaces the fsync thread (specs hold it to watch the order). */
  fileSync?: FileSync;
  /** The inline fsync (`fsyncSync` by default); null, or a `fileSync` given without it, means syncs never run inline. */
  inlineSync?: InlineSync | null;
  loopWindow?: LoopWindow;
}

/** While syncing inline, one sync in this many goes to the thread instead, to see whether the loop has other work meanwhile. */
export const PROBE_EVERY = 32;
/** Back to inline syncs after this many thread syncs in a row during which the loop had little else to do. */
export const CALM_AFTER = 16;
/**
 * The share of a thread sync's wait the loop must spend working for the thread to be worth its hop.
 * Alone, the loop works for a small part of it (sending the request, taking the answer: 0.03 to 0.36
 * measured; up to 0.6 under jest's instrumentation); with other requests in flight, nearly all of it.
 */
export const BUSY_SHARE = 0.8;

const eventLoopWindow: LoopWindow = () => {
  const start = performance.eventLoopUtilization();
  return () => performance.eventLoopUtilization(start).utilization;
};

/** How long `close` waits for the fsyncs in flight before it lets the descriptor go anyway. */
const CLOSE_WAIT_MS = 30_000;

/**
 * Group commit for a SQLite file in WAL mode, with the fsync off the event loop whenever other work waits.
 *
 * With `synchronous=FULL`, SQLite fsyncs the WAL inside every COMMIT, and better-sqlite3 runs
 * that on the only thread: the process waits for the disk, and every commit pays its own fsync
 * (issue 23's profile: a third of an embedded AddClient's busy time). With `synchronous=NORMAL`
 * the commit writes the same WAL frames without the fsync (SQLite still syncs the WAL header when
 * the WAL restarts, and the WAL and the database at checkpoints). This class then fsyncs the WAL
 * file itself, on a thread of its own (`FsyncThread`), before the writer acknowledges anything: a commit is
 * acknowledged only once its frames are on disk, as with FULL. Commits made while an fsync runs
 * share the next one.
 *
 * **Adaptive.** The hop to the thread and back costs about 0.1 ms, half the fsync itself. It pays
 * only when the event loop has other work to do meanwhile (other requests in flight). A caller
 * alone (one request at a time, a script appending in a loop) would pay it for nothing, so while
 * the loop has nothing else to do, the fsync runs inline, as FULL's would. One inline sync in
 * `PROBE_EVERY` goes to the thread instead: if the loop spent at least `BUSY_SHARE` of that wait on
 * other work, or another commit asked for a sync meanwhile, syncs go to the thread, shared, until
 * `CALM_AFTER` of them in a row found the loop mostly idle.
 *
 * The file descriptor is the WAL file's own (Linux's fsync flushes the file, whichever descriptor
 * wrote it). SQLite deletes the WAL only when its last connection closes, and the connection this
 * serves stays open until `close()`, so the descriptor always names the live WAL.
 */
export class WalSync {
  private fd: number | null = null;
  /** The fsync running now, and the one queued after it for the commits made meanwhile. */
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private closed = false;

  /** Whether syncs run on the caller's thread now (no overlap seen), and the counters that switch it. */
  private inline: boolean;
  private inlineSince = 0;
  private calmSyncs = 0;
  /** Whether another sync was asked for while the running one ran. */
  private overlapped = false;

  private readonly fileSync: FileSync;
  private readonly inlineSync: InlineSync | null;
  private readonly loopWindow: LoopWindow;
  private readonly usesThread: boolean;

  constructor(
    private readonly databaseFile: string,
    { fileSync, inlineSync, loopWindow = eventLoopWindow }: WalSyncOptions = {},
  ) {
    this.usesThread = !fileSync;
    if (fileSync) this.fileSync = fileSync;
    else {
      fsyncThread.acquire();
      this.fileSync = (fd) => fsyncThread.fsync(fd);
    }
    this.inlineSync = inlineSync === undefined ? (fileSync ? null : fsyncSync) : inlineSync;
    this.inline = this.inlineSync !== null;
    this.loopWindow = loopWindow;
  }

  /** Where the next sync runs, unless it is a probe or one is already running (for specs). */
  get mode(): 'inline' | 'thread' {
    return this.inline ? 'inline' : 'thread';
  }

  /** For ':memory:' and temporary databases, which have no file to sync. */
  static needed(filename: string): boolean {
    return isSqliteFile(filename);
  }

  /**
   * Resolves once everything the connection committed before this call is on disk. A sync that is
   * already running may have started before that commit, so callers then share the next one.
   */
  sync(): Promise<void> {
    if (this.running) this.overlapped = true;
    if (this.queued) return this.queued;
    if (!this.running) return this.inline && ++this.inlineSince % PROBE_EVERY !== 0 ? this.syncInline() : this.start();
    const queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start();
      });
    this.queued = queued;
    return queued;
  }

  /** Syncs what is written so far, on this thread (at open: what an earlier process left unsynced). */
  syncNow(): void {
    const fd = this.descriptor();
    if (fd !== null) fsyncSync(fd);
  }

  /** Waits for the syncs asked for so far (their callers are answered as usual), then lets the descriptor go. */
  async close(): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + CLOSE_WAIT_MS;
    while ((this.running || this.queued) && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([(this.queued ?? this.running)!.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now())))]);
      clearTimeout(timer);
    }
    if (this.running || this.queued) {
      // The disk did not answer in time: say so, and close anyway (SQLite's own close checkpoints
      // and syncs the file). The callers still waiting are answered by their fsync, or its failure.
      process.emitWarning(`The fsync of ${this.databaseFile}-wal did not finish within ${CLOSE_WAIT_MS / 1000} s of the close; closing anyway.`);
    }
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.usesThread) fsyncThread.release();
  }

  private syncInline(): Promise<void> {
    try {
      const fd = this.descriptor();
      if (fd !== null) this.inlineSync!(fd);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private start(): Promise<void> {
    this.overlapped = false;
    const busyShare = this.inlineSync ? this.loopWindow() : null;
    const running = this.flush().finally(() => {
      if (this.running === running) this.running = null;
      if (busyShare) this.adapt(busyShare());
    });
    this.running = running;
    return running;
  }

  /** After a thread sync: if the loop was busy meanwhile, syncs stay on the thread; calm for long enough, they go inline again. */
  private adapt(busyShare: number): void {
    if (this.overlapped || this.queued || busyShare >= BUSY_SHARE) {
      this.inline = false;
      this.calmSyncs = 0;
    } else if (!this.inline && ++this.calmSyncs >= CALM_AFTER) {
      this.inline = true;
      this.inlineSince = 0;
    }
  }

  private async flush(): Promise<void> {
    const fd = this.descriptor();
    if (fd !== null) await this.fileSync(fd);
  }

  /** The WAL's descriptor, opened on first use (the WAL exists once the connection wrote); null once closed. */
  private descriptor(): number | null {
    if (this.closed) return null;
    if (this.fd === null) {
      try {
        this.fd = openSync(`${this.databaseFile}-wal`, 'r+');
      } catch (error) {
        // No WAL yet: nothing was committed through it, so there is nothing to sync.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    }
    return this.fd;
  }
}
