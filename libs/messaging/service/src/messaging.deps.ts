import type { ProcessorHosting } from '@clientele/platform/application';
import type { EventBus, RequestClient } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';

export interface MessagingDeps extends ProcessorHosting {
  events: EventStore;
  documents: DocumentStore;
  /** Its subjects' keys, apart from the read models so that shredding destroys them (docs/ERASURE.md). */
  keys: DocumentStore;
  bus: EventBus;
  requests: RequestClient;
}

export const MESSAGING = Symbol('Messaging');
