import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';

/** How a `WalSync` flushes a file to disk (fs.fsync by default; specs hold it to watch the order). */
export type FileSync = (fd: number) => Promise<void>;

const fsyncAsync: FileSync = (fd) => new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));

/**
 * Group commit for a SQLite file in WAL mode, with the fsync off the event loop.
 *
 * With `synchronous=FULL`, SQLite fsyncs the WAL inside every COMMIT, and better-sqlite3 runs
 * that on the only thread: the process waits for the disk, and every commit pays its own fsync
 * (issue 23's profile: a third of an embedded AddClient's busy time). With `synchronous=NORMAL`
 * the commit writes the same WAL frames without the fsync (SQLite still syncs the WAL header when
 * the WAL restarts, and the WAL and the database at checkpoints). This class then fsyncs the WAL
 * file itself, on libuv's thread pool, before the writer acknowledges anything: a commit is
 * acknowledged only once its frames are on disk, as with FULL. Commits made while an fsync runs
 * share the next one.
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

  constructor(
    private readonly databaseFile: string,
    private readonly fileSync: FileSync = fsyncAsync,
  ) {}

  /** For ':memory:' and temporary databases, which have no file to sync. */
  static needed(filename: string): boolean {
    return filename !== '' && filename !== ':memory:' && !filename.startsWith('file:');
  }

  /**
   * Resolves once everything the connection committed before this call is on disk. A sync that is
   * already running may have started before that commit, so callers then share the next one.
   */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
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
    while (this.running || this.queued) await (this.queued ?? this.running)!.catch(() => undefined);
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private start(): Promise<void> {
    const running = this.flush().finally(() => {
      if (this.running === running) this.running = null;
    });
    this.running = running;
    return running;
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
