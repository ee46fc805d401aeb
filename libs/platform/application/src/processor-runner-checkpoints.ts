import type { WriteOp } from '@clientele/platform/document-store';
import type { GlobalPosition } from '@clientele/platform/event-store';

/**
 * A processor's checkpoint: committed with the writes of the event it follows. An event that needs
 * no writes (most events, for an outbox relay) moves it only in memory; it is saved with the next
 * write, or after `everyMs`. A crash before then replays those events, which every processor must
 * take calmly anyway.
 */
export class ProcessorCheckpoints {
  private unsaved: GlobalPosition | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly processor: string,
    /** One commit of the read-model store, fenced by the runner's lease. */
    private readonly commit: (ops: WriteOp[]) => Promise<void>,
    private readonly everyMs: number,
    /** Told when a save on the timer fails (the next save carries the position anyway). */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Commits an event's writes together with its position. */
  async commitWith(writes: readonly WriteOp[], position: GlobalPosition): Promise<void> {
    if (writes.length === 0) {
      this.unsaved = position;
      this.schedule();
    } else {
      await this.commit([...writes, { op: 'checkpoint', processor: this.processor, position }]);
      this.unsaved = null;
    }
  }

  /** Saves the position held in memory, if any (before stopping, or when its time came). */
  async save(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const position = this.unsaved;
    if (position === null) return;
    this.unsaved = null;
    await this.commit([{ op: 'checkpoint', processor: this.processor, position }]);
  }

  /** Forgets the position held in memory: processing resumes from the stored one. */
  discard(): void {
    this.unsaved = null;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.save().catch((error) => this.onError(error));
    }, this.everyMs);
  }
}
