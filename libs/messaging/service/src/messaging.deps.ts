import type { Leases } from '@clientele/platform/coordination';
import type { EventBus, RequestClient } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';

export interface MessagingDeps {
  events: EventStore;
  documents: DocumentStore;
  /** Its subjects' keys, apart from the read models so that shredding destroys them (docs/ERASURE.md). */
  keys: DocumentStore;
  bus: EventBus;
  requests: RequestClient;
  logger: JsonLogger;
  /** A replicated deployment's leases: one active replica per processor (none in a single process). */
  leases?: Leases;
}

export const MESSAGING = Symbol('Messaging');
