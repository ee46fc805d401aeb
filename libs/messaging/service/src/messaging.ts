import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import { ClientPolicyUpdate, Message } from '@clientele/messaging/contracts';
import { ThreadCommand, ThreadEvent, threadDecider } from '@clientele/messaging/domain';
import { CommandResult, OutboxRelay, ProcessorRunner, commandIdFor, commandMetadata, handleAndWait, handleCommand, processorOptions } from '@clientele/platform/application';
import type { RequestActor, RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { EventMetadata } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { randomUUID } from 'node:crypto';
import type { MessagingDeps } from './messaging.deps';
import { messagingIntegrationEvents } from './outbox';
import { MESSAGES, MessageDoc, MessagesProjection } from './read-models/messages.projection';
import { ThreadCodec } from './thread-codec';

export const threadStream = (clientId: string) => `thread-${clientId}`;
export const POLICIES = 'client_policies';

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

/** Everything the use cases share: the policy copies, the threads, read-your-writes. */
export class Messaging {
  readonly codec: ThreadCodec;
  readonly views: ProcessorRunner;
  readonly outbox: ProcessorRunner;

  constructor(readonly deps: MessagingDeps) {
    this.codec = new ThreadCodec(new PersonalDataCipher(new KeyStore(deps.keys)));
    const options = processorOptions('messaging', deps);
    this.views = new ProcessorRunner(deps.events, deps.documents, new MessagesProjection(deps.documents, this.codec), options);
    this.outbox = new ProcessorRunner(
      deps.events,
      deps.documents,
      new OutboxRelay(deps.bus, messagingIntegrationEvents, 'messaging_outbox'),
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

  /** Records a message under the client's policy, and answers it once the thread's read model shows it. */
  async send(policy: PolicyDoc, clientId: string, from: 'coach' | 'client', actor: RequestActor, envelope: RequestEnvelope<{ body: string }>): Promise<Message> {
    const messageId = randomUUID();
    const now = new Date().toISOString();
    const result = await handleAndWait(
      this.run(
        clientId,
        { type: 'SendMessage', messageId, clientId, accountId: policy.accountId, from, body: envelope.data.body, clientType: policy.type, metadata: { actorId: actor.id, now } },
        commandIdFor(envelope, (key) => `message:${clientId}:${key}`, messageId),
        commandMetadata(envelope, { ...actor, accountId: policy.accountId }),
      ),
      this.views,
    );
    const sent = result.events[0];
    if (!sent || sent.type !== 'MessageSent') throw new Error('no message was recorded');
    return { id: sent.data.messageId, from, body: envelope.data.body, sentAt: sent.data.sentAt };
  }

  async thread(clientId: string): Promise<Message[]> {
    const docs = await this.deps.documents.collection<MessageDoc>(MESSAGES).find({ clientId }, { sort: [['position', 1]] });
    return docs.map(({ id, from, body, sentAt }) => ({ id, from, body, sentAt }));
  }
}
