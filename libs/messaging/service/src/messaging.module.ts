import { ServiceHealth, WorkHealth, commandIdFor, commandMetadata, handleAndWait } from '@clientele/platform/application';
import { ClientsEvents } from '@clientele/clients/contracts';
import { Message, MessagingSubjects } from '@clientele/messaging/contracts';
import { EventConsumer, durableName, requireStaff, type RequestActor, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { MESSAGES, Messaging, MessagingDeps, PolicyDoc } from './messaging';

const MESSAGING = Symbol('Messaging');

@Controller()
class MessagingMessageController {
  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  @MessagePattern(MessagingSubjects.sendAsCoach)
  async sendAsCoach(@Payload() envelope: RequestEnvelope<{ clientId: string; body: string }>): Promise<Message> {
    const actor = requireStaff(envelope.actor);
    const policy = await this.messaging.visiblePolicy(actor, envelope.data.clientId);
    return this.send(policy, envelope.data.clientId, 'coach', actor, envelope);
  }

  @MessagePattern(MessagingSubjects.sendAsClient)
  async sendAsClient(@Payload() envelope: RequestEnvelope<{ body: string }>): Promise<Message> {
    const actor = requireClient(envelope.actor);
    const policy = await this.messaging.policy(actor.id);
    if (!policy) throw new AppError(ErrorCodes.notFound, 'You have no thread with a coach.');
    return this.send(policy, actor.id, 'client', actor, envelope);
  }

  @MessagePattern(MessagingSubjects.threadForCoach)
  async threadForCoach(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<{ items: Message[] }> {
    const actor = requireStaff(envelope.actor);
    await this.messaging.visiblePolicy(actor, envelope.data.clientId);
    return { items: await this.messaging.thread(envelope.data.clientId) };
  }

  @MessagePattern(MessagingSubjects.threadForClient)
  async threadForClient(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<{ items: Message[] }> {
    const actor = requireClient(envelope.actor);
    // An offline client sees nothing (architecture.md).
    const policy = await this.messaging.policy(actor.id);
    if (!policy || policy.type === 'offline') return { items: [] };
    return { items: await this.messaging.thread(actor.id) };
  }

  @MessagePattern(MessagingSubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.messaging.deps.events.ping(), this.messaging.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('messaging');
  }

  private async send(policy: PolicyDoc, clientId: string, from: 'coach' | 'client', actor: RequestActor, envelope: RequestEnvelope<{ body: string }>): Promise<Message> {
    const messageId = randomUUID();
    const now = new Date().toISOString();
    const result = await handleAndWait(
      this.messaging.run(
        clientId,
        { type: 'SendMessage', messageId, clientId, accountId: policy.accountId, from, senderId: actor.id, body: envelope.data.body, clientType: policy.type, now },
        commandIdFor(envelope, (key) => `message:${clientId}:${key}`, messageId),
        commandMetadata(envelope, { ...actor, accountId: policy.accountId }),
      ),
      this.messaging.views,
    );
    const sent = result.events[0];
    if (!sent || sent.type !== 'MessageSent') throw new Error('no message was recorded');
    return { id: sent.data.messageId, from, body: envelope.data.body, sentAt: sent.data.sentAt };
  }
}

function requireClient(actor: RequestActor | undefined): RequestActor {
  if (!actor || actor.role !== 'client') throw new AppError(ErrorCodes.forbidden, 'This is the client app’s own thread.');
  return actor;
}

/** Coach <-> client threads under the client-type policy. Answers `messaging.*`, publishes `messaging.thread.*`. */
@Module({})
export class MessagingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: EventConsumer[] = [];
  private started = false;

  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  static register(deps: MessagingDeps): DynamicModule {
    return { module: MessagingModule, controllers: [MessagingMessageController], providers: [{ provide: MESSAGING, useValue: new Messaging(deps) }] };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.messaging.deps.documents.collection(MESSAGES).ensureIndexes([{ fields: [['clientId', 1], ['position', 1]] }]);
    await this.messaging.views.start();
    await this.messaging.outbox.start();
    this.consumers.push(
      await this.messaging.deps.bus.consume(
        {
          durableName: durableName('messaging', 'clients'),
          sourceService: 'clients',
          subjects: [ClientsEvents.clientAdded, ClientsEvents.typeChanged, ClientsEvents.reassigned, ClientsEvents.deleted],
        },
        (event) => this.messaging.onRosterEvent(event),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await this.messaging.views.stop();
    await this.messaging.outbox.stop();
  }
}
