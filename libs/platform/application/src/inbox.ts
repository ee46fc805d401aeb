import { DocumentStore, DuplicateDocumentError, WriteOp } from '@clientele/platform/document-store';

/**
 * The consumer side of exactly-once in effect: the ids of handled integration events are kept
 * with the consumer's state, written in the same commit as the effect. A redelivered event finds
 * its id and does nothing; two deliveries racing each other make the second commit fail on the
 * inbox row and roll back (on engines with transactions).
 */
export class Inbox {
  private readonly collection: string;

  constructor(
    private readonly documents: DocumentStore,
    consumerName: string,
  ) {
    this.collection = `inbox_${consumerName.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  }

  async seen(eventId: string): Promise<boolean> {
    return (await this.documents.collection(this.collection).get(eventId)) !== null;
  }

  /**
   * Runs `work` unless the event was handled before, then commits its writes with the inbox row.
   * Returns false when it did nothing because the event had been handled already.
   */
  async handleOnce(eventId: string, work: () => Promise<readonly WriteOp[]>): Promise<boolean> {
    if (await this.seen(eventId)) return false;
    const writes = await work();
    try {
      await this.documents.commit([
        ...writes,
        { op: 'insert', collection: this.collection, doc: { id: eventId, handledAt: new Date().toISOString() } },
      ]);
      return true;
    } catch (error) {
      if (error instanceof DuplicateDocumentError && error.collection === this.collection) return false;
      throw error;
    }
  }
}
