import type { ProcessorHosting, ProcessorRunner } from '@clientele/platform/application';
import type { EventBus, RequestClient } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';

/** What the identity service is given by its host: its own stores, the bus, and its secrets. */
export interface IdentityDeps extends ProcessorHosting {
  events: EventStore;
  documents: DocumentStore;
  /** Its subjects' keys, apart from the read models so that shredding destroys them (docs/ERASURE.md). */
  keys: DocumentStore;
  bus: EventBus;
  requests: RequestClient;
  jwtSecret: string;
  /** Base of the links in e-mails (PUBLIC_URL). */
  publicUrl: string;
}

export const IDENTITY_DEPS = Symbol('IdentityDeps');

/** Started by the module: read models and the processes that keep them. */
export interface IdentityProcessors {
  views: ProcessorRunner;
  clientLogins: ProcessorRunner;
  /** The sign-in index (`logins`) of staff and clients. */
  signIns: ProcessorRunner;
  registrations: ProcessorRunner;
  outbox: ProcessorRunner;
}

export const IDENTITY_PROCESSORS = Symbol('IdentityProcessors');

export const CLIENT_ACCESS = Symbol('ClientAccess');
