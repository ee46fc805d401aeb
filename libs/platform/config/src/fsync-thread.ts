import { Worker } from 'node:worker_threads';

/**
 * The thread's code: fsync each descriptor it is sent, and answer. Descriptors belong to the
 * process, so the thread syncs the files the main thread opened.
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { fsyncSync } = require('node:fs');
parentPort.on('message', ({ id, fd }) => {
  try {
    fsyncSync(fd);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Pending {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * fsync on a thread of its own, not on libuv's thread pool. The pool (4 threads) also runs DNS
 * lookups, scrypt, zlib and file reads: behind a burst of those, or a lookup that waits for a
 * resolver, an acknowledged write would wait too (a CI run saw a stop wait 90 s). One thread per
 * process serves every file; it runs while a store that needs it is open (`acquire`/`release`),
 * and does not keep the process alive when idle.
 */
export class FsyncThread {
  private thread: { worker: Worker; pending: Map<number, Pending> } | null = null;
  private users = 0;
  private nextId = 0;

  acquire(): void {
    this.users++;
  }

  /** The last user gone, the thread stops (a test process opens and closes stores for every suite). */
  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0 && this.thread?.pending.size === 0) this.stop();
  }

  fsync(fd: number): Promise<void> {
    const { worker, pending } = this.started();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, fd });
    });
  }

  private started(): { worker: Worker; pending: Map<number, Pending> } {
    if (this.thread) return this.thread;
    const worker = new Worker(SOURCE, { eval: true });
    // Each thread answers its own requests: one that stops fails only what it was asked.
    const thread = { worker, pending: new Map<number, Pending>() };
    worker.on('message', ({ id, error }: { id: number; error?: { message: string; code?: string } }) => {
      const waiting = thread.pending.get(id);
      thread.pending.delete(id);
      if (thread.pending.size === 0) {
        worker.unref();
        if (this.users === 0 && this.thread === thread) this.stop();
      }
      if (!waiting) return;
      if (error) waiting.reject(Object.assign(new Error(`fsync failed: ${error.message}`), { code: error.code }));
      else waiting.resolve();
    });
    const failAll = (error: unknown) => {
      if (this.thread === thread) this.thread = null;
      for (const waiting of thread.pending.values()) waiting.reject(error);
      thread.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', () => failAll(new Error('the fsync thread stopped before answering')));
    worker.unref();
    this.thread = thread;
    return thread;
  }

  private stop(): void {
    const thread = this.thread;
    this.thread = null;
    void thread?.worker.terminate();
  }
}

/** The process's fsync thread. */
export const fsyncThread = new FsyncThread();
