import { BillingEvents } from '@clientele/billing/contracts';
import { MessagingEvents, type MessageSentEventData } from '@clientele/messaging/contracts';
import { SchedulingEvents } from '@clientele/scheduling/contracts';
import { IdentityEvents, type SeatLimitEventData } from '@clientele/identity/contracts';
import { OutboxRelay, ProcessorRunner, processorOptions, reactionMetadata } from '@clientele/platform/application';
import { EventConsumer, durableName } from '@clientele/platform/bus';
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClientsContext } from './clients.context';
import { CLIENTS_CONTEXT, CLIENTS_DEPS, CLIENTS_PROCESSORS, ClientsDeps, ClientsProcessors } from './clients.deps';
import { clientsIntegrationEvents } from './outbox';
import { CLIENTS } from './read-models/client-doc';
import { CLIENT_INDEXES, CLIENT_NOTES, CLIENT_NOTE_INDEXES, CLIENT_SEARCH_FIELDS, ClientsProjection } from './read-models/clients.projection';
import { SESSION_LINKS, SessionLinkRecorder } from './read-models/session-links';
import { IMPORT_REPORTS, IMPORT_REPORT_INDEXES } from './read-models/import-reports';
import { SessionLinksProjection } from './read-models/session-links.projection';
import { RosterEffectsProcessor } from './roster/roster-effects.processor';
import { AddClientMessageController } from './use-cases/add-client/add-client.message-controller';
import { AddNoteMessageController } from './use-cases/add-note/add-note.message-controller';
import { BulkChangeTypeMessageController } from './use-cases/bulk-change-type/bulk-change-type.message-controller';
import { ChangeContactMessageController } from './use-cases/change-contact/change-contact.message-controller';
import { ChangeTypeMessageController } from './use-cases/change-type/change-type.message-controller';
import { DeleteClientMessageController } from './use-cases/delete-client/delete-client.message-controller';
import { GetClientMessageController } from './use-cases/get-client/get-client.message-controller';
import { GetContactMessageController } from './use-cases/get-contact/get-contact.message-controller';
import { GetHistoryMessageController } from './use-cases/get-history/get-history.message-controller';
import { GetSeatsMessageController } from './use-cases/get-seats/get-seats.message-controller';
import { ClientsHealthMessageController } from './use-cases/health/health.message-controller';
import { ImportClientsMessageController } from './use-cases/import-clients/import-clients.message-controller';
import { GetImportReportMessageController } from './use-cases/get-import-report/get-import-report.message-controller';
import { ListClientsMessageController } from './use-cases/list-clients/list-clients.message-controller';
import { ListNotesMessageController } from './use-cases/list-notes/list-notes.message-controller';
import { GetPurchasesMessageController } from './use-cases/get-purchases/get-purchases.message-controller';
import { EnrolBuyerWhenProductPurchased } from './use-cases/enrol-buyer/enrol-buyer-when-product-purchased.handler';
import { OwnProfileMessageController } from './use-cases/own-profile/own-profile.message-controller';
import { ReassignCoachMessageController } from './use-cases/reassign-coach/reassign-coach.message-controller';
import { RecentClientsMessageController } from './use-cases/recent-clients/recent-clients.message-controller';
import { RequestLoginDetailsMessageController } from './use-cases/request-login-details/request-login-details.message-controller';
import { RequestPasswordResetMessageController } from './use-cases/request-password-reset/request-password-reset.message-controller';

const SESSION_LINK_RECORDER = Symbol('SessionLinkRecorder');

/** The client roster. Answers requests on `clients.*`, publishes `clients.client.*` events. */
@Module({})
export class ClientsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: EventConsumer[] = [];
  private started = false;

  constructor(
    @Inject(CLIENTS_DEPS) private readonly deps: ClientsDeps,
    @Inject(CLIENTS_PROCESSORS) private readonly processors: ClientsProcessors,
    @Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext,
    @Inject(SESSION_LINK_RECORDER) private readonly sessionLinks: SessionLinkRecorder,
  ) {}

  static register(deps: ClientsDeps): DynamicModule {
    const options = processorOptions('clients', deps.logger, deps.leases);
    // The context waits on the views runner, which needs the context's codec: tie the knot lazily.
    const context: ClientsContext = new ClientsContext(deps, () => processors);
    // Every runner here is started and stopped with the module.
    const processors: ClientsProcessors & { sessionLinks: ProcessorRunner } = {
      views: new ProcessorRunner(deps.events, deps.documents, new ClientsProjection(deps.documents, context.codec), options),
      roster: new ProcessorRunner(deps.events, deps.documents, new RosterEffectsProcessor(context), options),
      outbox: new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, clientsIntegrationEvents, 'clients_outbox'), options),
      sessionLinks: new ProcessorRunner(deps.events, deps.documents, new SessionLinksProjection(), options),
    };
    const sessionLinks = new SessionLinkRecorder(deps.events, deps.documents, processors.sessionLinks);
    return {
      module: ClientsModule,
      controllers: [
        AddClientMessageController,
        ChangeTypeMessageController,
        BulkChangeTypeMessageController,
        ChangeContactMessageController,
        AddNoteMessageController,
        ReassignCoachMessageController,
        RequestLoginDetailsMessageController,
        RequestPasswordResetMessageController,
        DeleteClientMessageController,
        ImportClientsMessageController,
        GetImportReportMessageController,
        ListClientsMessageController,
        RecentClientsMessageController,
        GetClientMessageController,
        GetHistoryMessageController,
        GetSeatsMessageController,
        GetContactMessageController,
        OwnProfileMessageController,
        GetPurchasesMessageController,
        ListNotesMessageController,
        ClientsHealthMessageController,
      ],
      providers: [
        { provide: CLIENTS_DEPS, useValue: deps },
        { provide: CLIENTS_PROCESSORS, useValue: processors },
        { provide: CLIENTS_CONTEXT, useValue: context },
        { provide: SESSION_LINK_RECORDER, useValue: sessionLinks },
      ],
    };
  }

  /** Called once per Nest context of the process (the HTTP app and the microservice share modules). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.deps.documents.collection(CLIENTS).ensureIndexes(CLIENT_INDEXES);
    await this.deps.documents.collection(CLIENTS).ensureTextIndex(CLIENT_SEARCH_FIELDS);
    await this.deps.documents.collection(SESSION_LINKS).ensureIndexes([{ fields: [['coachId', 1], ['accountId', 1]] }]);
    await this.deps.documents.collection(CLIENT_NOTES).ensureIndexes(CLIENT_NOTE_INDEXES);
    await this.deps.documents.collection(IMPORT_REPORTS).ensureIndexes(IMPORT_REPORT_INDEXES);
    await Promise.all(Object.values(this.processors).map((runner) => runner.start()));
    await this.sessionLinks.recordLinksKeptBeforeEvents();
    this.consumers.push(
      await this.deps.bus.consume(
        {
          durableName: durableName('clients', 'identity'),
          sourceService: 'identity',
          subjects: [IdentityEvents.accountOpened, IdentityEvents.seatLimitChanged, IdentityEvents.clientAccessActivated],
        },
        async (event) => {
          if (event.subject === IdentityEvents.clientAccessActivated) {
            const { clientId } = event.data as { clientId: string };
            await this.context
              .changeClient(clientId, null, { type: 'MarkAppAccessActive', now: new Date().toISOString() }, event.id, reactionMetadata(event, { actor: { id: clientId, role: 'client' } }))
              .catch((error) => {
                // A client deleted meanwhile: nothing to mark.
                if ((error as { code?: string }).code !== 'not_found') throw error;
              });
            return;
          }
          await this.context.recordSeatLimit(event.data as unknown as SeatLimitEventData, event.metadata.correlationId);
        },
      ),
    );
    await this.consumePurchases();
    await this.consumeMessages();
    // Each booked session links its coach and client (an event on the client's link stream).
    this.consumers.push(
      await this.deps.bus.consume({ durableName: durableName('clients', 'scheduling'), sourceService: 'scheduling', subjects: [SchedulingEvents.sessionScheduled] }, (event) =>
        this.sessionLinks.onSessionScheduled(event),
      ),
    );
  }

  /** Message counts on the profile: one event per message on the client's stream (no body). */
  private async consumeMessages(): Promise<void> {
    this.consumers.push(
      await this.deps.bus.consume({ durableName: durableName('clients', 'messaging'), sourceService: 'messaging', subjects: [MessagingEvents.messageSent] }, async (event) => {
        const { clientId, messageId, from, sentAt } = event.data as unknown as MessageSentEventData;
        await this.context
          .changeClient(clientId, null, { type: 'RecordMessage', messageId, from, sentAt }, `message:${messageId}`, reactionMetadata(event))
          .catch((error) => {
            // The client was deleted meanwhile: nothing to count.
            if ((error as { code?: string }).code !== 'not_found') throw error;
          });
      }),
    );
  }

  private async consumePurchases(): Promise<void> {
    const saga = new EnrolBuyerWhenProductPurchased(this.context);
    this.consumers.push(
      await this.deps.bus.consume(
        { durableName: durableName('clients', 'billing'), sourceService: 'billing', subjects: [BillingEvents.purchaseCompleted], maxDeliveries: 10, retryDelaysMs: [200, 1000, 5000] },
        (event) => saga.handle(event),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.all(Object.values(this.processors).map((runner) => runner.stop()));
  }
}
