import type { Leases } from '@clientele/platform/coordination';
import { ClientContactView, ClientsEvents, ClientsSubjects } from '@clientele/clients/contracts';
import { ClientPolicyUpdate, Message, MessageSentEventData, MessagingEvents } from '@clientele/messaging/contracts';
import { ThreadCommand, ThreadEvent, threadDecider } from '@clientele/messaging/domain';
import { CommandResult, EventCodec, EventProcessor, OutboxRelay, ProcessorRunner, domainEvent, handleAndWait, handleCommand, processorOptions, reactionMetadata, toIntegrationEvent } from '@clientele/platform/application';
import type { EventBus, IntegrationEvent, RequestActor, RequestClient } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { EventData, EventMetadata, EventStore, RecordedEvent } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';

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

export const threadStream = (clientId: string) => `thread-${clientId}`;
export const POLICIES = 'client_policies';
export const MESSAGES = 'messages';

/** Messaging's own copy of what it needs to know of each client. */
export interface PolicyDoc {
  id: string;
  accountId: string;
  coachId: string;
  type: ClientPolicyUpdate['type'];
  deleted: boolean;
  /** The client stream's version the copy has seen (absent in copies written before it was kept). */
  version?: number;
  [key: string]: unknown;
}

type MessageDoc = Message & { clientId: string; accountId: string; senderId: string; [key: string]: unknown };

/** Message bodies are the client's personal data: sealed with the client's key, shredded with it. */
export class ThreadCodec implements EventCodec<ThreadEvent> {
  constructor(readonly cipher: PersonalDataCipher) {}

  async encode(event: ThreadEvent): Promise<EventData> {
    if (event.type !== 'MessageSent') return { ...event.data };
    const { body, ...rest } = event.data;
    return { ...rest, body: await this.cipher.seal(event.data.clientId, { body }) };
  }

  async decode(recorded: RecordedEvent): Promise<ThreadEvent> {
    if (recorded.type !== 'MessageSent') return domainEvent<ThreadEvent>(recorded);
    const { body, ...data } = recorded.data as Record<string, unknown> & { body: string };
    const opened = await this.cipher.open<{ body: string }>(data.clientId as string, body);
    return { type: 'MessageSent', data: { ...data, body: opened?.body ?? '[erased]' } } as ThreadEvent;
  }
}

/** The threads' read model: messages in order, gone when the thread closes. */
export class MessagesProjection implements EventProcessor {
  readonly name = 'messaging_messages';
  readonly filter = { streamCategories: ['thread'] };

  constructor(
    private readonly documents: DocumentStore,
    private readonly codec: ThreadCodec,
  ) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = await this.codec.decode(recorded);
    if (event.type === 'MessageSent') {
      const { messageId, clientId, accountId, from, senderId, body, sentAt } = event.data;
      const doc: MessageDoc = { id: messageId, clientId, accountId, from, senderId, body, sentAt, position: recorded.position.toString().padStart(40, '0') };
      return [{ op: 'upsert', collection: MESSAGES, doc, version: recorded.revision }];
    }
    const messages = await this.documents.collection<MessageDoc>(MESSAGES).find({ clientId: event.data.clientId });
    return messages.map((m) => ({ op: 'delete' as const, collection: MESSAGES, id: m.id, version: Number.MAX_SAFE_INTEGER }));
  }
}

export function messagingIntegrationEvent(recorded: RecordedEvent): IntegrationEvent | null {
  if (recorded.type !== 'MessageSent') return null;
  const { messageId, clientId, accountId, from, sentAt } = domainEvent<Extract<ThreadEvent, { type: 'MessageSent' }>>(recorded).data;
  const data: MessageSentEventData = { messageId, clientId, accountId, from, sentAt };
  return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, MessagingEvents.messageSent, { ...data });
}

/** Everything the use cases share: the policy copies, the threads, read-your-writes. */
export class Messaging {
  readonly codec: ThreadCodec;
  readonly views: ProcessorRunner;
  readonly outbox: ProcessorRunner;

  constructor(readonly deps: MessagingDeps) {
    this.codec = new ThreadCodec(new PersonalDataCipher(new KeyStore(deps.keys)));
    const options = processorOptions('messaging', deps.logger, deps.leases);
    this.views = new ProcessorRunner(deps.events, deps.documents, new MessagesProjection(deps.documents, this.codec), options);
    this.outbox = new ProcessorRunner(
      deps.events,
      deps.documents,
      new OutboxRelay(deps.bus, messagingIntegrationEvent, 'messaging_outbox'),
      options,
    );
  }

  /** Applies a client's new facts from the clients events, in stream order: an older version never overwrites a newer one. */
  async updatePolicy(update: Partial<ClientPolicyUpdate> & { clientId: string; version: number }, deleted = false): Promise<void> {
    const current = await this.deps.documents.collection<PolicyDoc>(POLICIES).get(update.clientId);
    const doc: PolicyDoc = {
      id: update.clientId,
      accountId: update.accountId ?? current?.accountId ?? '',
      coachId: update.coachId ?? current?.coachId ?? '',
      type: update.type ?? current?.type ?? 'offline',
      deleted: deleted || (current?.deleted ?? false),
      version: update.version,
    };
    await this.deps.documents.commit([{ op: 'upsert', collection: POLICIES, doc, version: update.version }]);
  }

  /**
   * The client's policy as of now, for a decision. The copy follows the clients events, so it may
   * not have seen a change whose answer the coach already has (a type change, a reassignment, a
   * new client). So the roster says which version of the client is current: a copy that has seen
   * it decides; one that has not is passed over for the roster's own answer, for this decision
   * only (the events bring the copy forward: they are its one writer). A deleted or unknown client
   * has no policy.
   */
  async policy(clientId: string): Promise<PolicyDoc | null> {
    const [copy, current] = await Promise.all([this.deps.documents.collection<PolicyDoc>(POLICIES).get(clientId), this.rosterContact(clientId)]);
    if (!current) return null;
    if (copy && !copy.deleted && copy.version !== undefined && copy.version >= current.version) return copy;
    return { id: clientId, accountId: current.accountId, coachId: current.coachId, type: current.type, deleted: false, version: current.version };
  }

  private async rosterContact(clientId: string): Promise<ClientContactView | null> {
    try {
      return await this.deps.requests.request<ClientContactView>(ClientsSubjects.getContact, { data: { clientId } });
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.notFound) return null;
      throw error;
    }
  }

  /** The client's thread, if the actor may see it (a coach their clients, an admin the account). */
  async visiblePolicy(actor: RequestActor, clientId: string): Promise<PolicyDoc> {
    const policy = await this.policy(clientId);
    if (!policy || policy.accountId !== actor.accountId || (actor.role === 'coach' && policy.coachId !== actor.id)) {
      throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    }
    return policy;
  }

  run(clientId: string, command: ThreadCommand, commandId: string, metadata: EventMetadata): Promise<CommandResult<unknown, ThreadEvent>> {
    return handleCommand(this.deps.events, threadStream(clientId), threadDecider, command, { commandId, metadata }, { codec: this.codec, maxRetries: 20 });
  }

  async thread(clientId: string): Promise<Message[]> {
    const docs = await this.deps.documents.collection<MessageDoc>(MESSAGES).find({ clientId }, { sort: [['position', 1]] });
    return docs.map(({ id, from, body, sentAt }) => ({ id, from, body, sentAt }));
  }

  /** Handler of `messaging--clients`: the roster's events keep the policy copies. */
  async onRosterEvent(event: IntegrationEvent): Promise<void> {
    const data = event.data as { clientId: string; accountId: string; version: number; type?: ClientPolicyUpdate['type']; coachId?: string; to?: string };
    switch (event.subject) {
      case ClientsEvents.clientAdded:
        return this.updatePolicy({ clientId: data.clientId, accountId: data.accountId, coachId: data.coachId, type: data.type, version: data.version });
      case ClientsEvents.typeChanged:
        return this.updatePolicy({ clientId: data.clientId, accountId: data.accountId, type: data.to as ClientPolicyUpdate['type'], version: data.version });
      case ClientsEvents.reassigned:
        return this.updatePolicy({ clientId: data.clientId, accountId: data.accountId, coachId: data.to, version: data.version });
      case ClientsEvents.deleted: {
        await this.updatePolicy({ clientId: data.clientId, accountId: data.accountId, version: data.version }, true);
        await handleAndWait(
          this.run(data.clientId, { type: 'CloseThread', clientId: data.clientId, accountId: data.accountId, now: new Date().toISOString() }, event.id, reactionMetadata(event)),
          this.views,
        );
        await this.codec.cipher.shred(data.clientId);
        return;
      }
      default:
        return;
    }
  }
}
