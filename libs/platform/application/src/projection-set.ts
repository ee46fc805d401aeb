import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventProcessor } from './event-processor';

/**
 * The read models a service can rebuild from its events: the processors that write them and every
 * collection they own. Processors that share a collection belong to one set, because a rebuild
 * replaces whole collections. The ops tool replays a set into shadow collections (`rebuild`) or a
 * scratch store (`verify`).
 */
export interface ProjectionSet {
  /** What `ops rebuild --projection` calls it. */
  readonly name: string;
  /** The service whose event store and read-model store hold it. */
  readonly service: string;
  /** Collections these processors own, and nobody else writes. */
  readonly collections: readonly string[];
  /**
   * Fresh processors. `documents` is where they read and write their own collections; `keys` is
   * the service's key store, which they only read (the keys that open personal data).
   */
  processors(documents: DocumentStore, keys: DocumentStore): EventProcessor[];
}
