import type { ProcessorHosting, ProcessorRunner } from '@clientele/platform/application';
import type { EventBus, RequestClient } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';

/** What the clients service is given by its host: its own stores, the bus, and a way to ask other services. */
export interface ClientsDeps extends ProcessorHosting {
  events: EventStore;
  documents: DocumentStore;
  /** Its subjects' keys, apart from the read models so that shredding destroys them (docs/ERASURE.md). */
  keys: DocumentStore;
  bus: EventBus;
  requests: RequestClient;
}

export const CLIENTS_DEPS = Symbol('ClientsDeps');

export interface ClientsProcessors {
  views: ProcessorRunner;
  roster: ProcessorRunner;
  outbox: ProcessorRunner;
}

export const CLIENTS_PROCESSORS = Symbol('ClientsProcessors');
export const CLIENTS_CONTEXT = Symbol('ClientsContext');
