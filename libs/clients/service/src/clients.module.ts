import { OutboxRelay, ProcessorRunner, ServiceLifecycle, processorOptions } from '@clientele/platform/application';
import { DynamicModule, Module } from '@nestjs/common';
import { ClientsContext } from './clients.context';
import { CLIENTS_CONTEXT, CLIENTS_DEPS, CLIENTS_PROCESSORS, ClientsDeps, ClientsProcessors } from './clients.deps';
import { clientsIntegrationEvents } from './outbox';
import { CLIENTS } from './read-models/client-doc';
import { CLIENT_INDEXES, CLIENT_NOTES, CLIENT_NOTE_INDEXES, CLIENT_SEARCH_FIELDS, ClientsProjection } from './read-models/clients.projection';
import { SESSION_LINKS, SessionLinkRecorder } from './read-models/session-links';
import { IMPORT_REPORTS, IMPORT_REPORT_INDEXES } from './read-models/import-reports';
import { SessionLinksProjection } from './read-models/session-links.projection';
import { RosterEffectsProcessor } from './processes/roster-effects/roster-effects.processor';
import { AddClientMessageController } from './commands/add-client/add-client.message-controller';
import { AddNoteMessageController } from './commands/add-note/add-note.message-controller';
import { BulkChangeTypeMessageController } from './commands/bulk-change-type/bulk-change-type.message-controller';
import { ChangeContactMessageController } from './commands/change-contact/change-contact.message-controller';
import { ChangeTypeMessageController } from './commands/change-type/change-type.message-controller';
import { DeleteClientMessageController } from './commands/delete-client/delete-client.message-controller';
import { GetClientMessageController } from './queries/get-client/get-client.message-controller';
import { GetContactMessageController } from './queries/get-contact/get-contact.message-controller';
import { GetHistoryMessageController } from './queries/get-history/get-history.message-controller';
import { GetSeatsMessageController } from './queries/get-seats/get-seats.message-controller';
import { ClientsHealthMessageController } from './queries/health/health.message-controller';
import { ImportClientsMessageController } from './commands/import-clients/import-clients.message-controller';
import { GetImportReportMessageController } from './queries/get-import-report/get-import-report.message-controller';
import { ListClientsMessageController } from './queries/list-clients/list-clients.message-controller';
import { ListNotesMessageController } from './queries/list-notes/list-notes.message-controller';
import { GetPurchasesMessageController } from './queries/get-purchases/get-purchases.message-controller';
import { GetPurchaseEnrolmentMessageController } from './queries/get-purchase-enrolment/get-purchase-enrolment.message-controller';
import { GetOwnProfileMessageController } from './queries/get-own-profile/get-own-profile.message-controller';
import { ChangeOwnProfileMessageController } from './commands/change-own-profile/change-own-profile.message-controller';
import { ReassignCoachMessageController } from './commands/reassign-coach/reassign-coach.message-controller';
import { RecentClientsMessageController } from './queries/recent-clients/recent-clients.message-controller';
import { RequestLoginDetailsMessageController } from './commands/request-login-details/request-login-details.message-controller';
import { RequestPasswordResetMessageController } from './commands/request-password-reset/request-password-reset.message-controller';
import { RecordMeasurementMessageController } from './commands/record-measurement/record-measurement.message-controller';
import { RecordOwnMeasurementMessageController } from './commands/record-own-measurement/record-own-measurement.message-controller';
import { SetMeasurementUnitsMessageController } from './commands/set-measurement-units/set-measurement-units.message-controller';
import { ListMeasurementsMessageController } from './queries/list-measurements/list-measurements.message-controller';
import { ListOwnMeasurementsMessageController } from './queries/list-own-measurements/list-own-measurements.message-controller';
import { GetMeasurementUnitsMessageController } from './queries/get-measurement-units/get-measurement-units.message-controller';
import { CLIENT_MEASUREMENTS, CLIENT_MEASUREMENT_INDEXES, MeasurementsProjection } from './read-models/measurements.projection';
import { MeasurementEventCodec } from './measurement-data';

import { seatsAndAppAccessWhenIdentityChanges } from './reactions/seats-and-app-access-when-identity-changes/seats-and-app-access-when-identity-changes';
import { enrolBuyerWhenProductPurchased } from './reactions/enrol-buyer-when-product-purchased/enrol-buyer-when-product-purchased';
import { recordMessageWhenMessageSent } from './reactions/record-message-when-message-sent/record-message-when-message-sent';
import { linkCoachWhenSessionScheduled } from './reactions/link-coach-when-session-scheduled/link-coach-when-session-scheduled';

const CLIENTS_LIFECYCLE = Symbol('ClientsLifecycle');

/** The client roster. Answers requests on `clients.*`, publishes `clients.client.*` events. */
@Module({})
export class ClientsModule {

  static register(deps: ClientsDeps): DynamicModule {
    const options = processorOptions('clients', deps);
    // The context waits on the views runner, which needs the context's codec: tie the knot lazily.
    const context: ClientsContext = new ClientsContext(deps, () => processors);
    // Every runner here is started and stopped with the module.
    const processors: ClientsProcessors & { sessionLinks: ProcessorRunner; measurements: ProcessorRunner } = {
      views: new ProcessorRunner(deps.events, deps.documents, new ClientsProjection(deps.documents, context.codec), options),
      roster: new ProcessorRunner(deps.events, deps.documents, new RosterEffectsProcessor(context), options),
      outbox: new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, clientsIntegrationEvents, 'clients_outbox'), options),
      sessionLinks: new ProcessorRunner(deps.events, deps.documents, new SessionLinksProjection(), options),
      measurements: new ProcessorRunner(deps.events, deps.documents, new MeasurementsProjection(deps.documents, new MeasurementEventCodec(context.codec, context.cipher)), options),
    };
    const sessionLinks = new SessionLinkRecorder(deps.events, deps.documents, processors.sessionLinks);
    const lifecycle = new ServiceLifecycle({
      documents: deps.documents,
      bus: deps.bus,
      indexes: [
        { collection: CLIENTS, indexes: CLIENT_INDEXES, text: CLIENT_SEARCH_FIELDS },
        { collection: SESSION_LINKS, indexes: [{ fields: [['coachId', 1], ['accountId', 1]] }] },
        { collection: CLIENT_NOTES, indexes: CLIENT_NOTE_INDEXES },
        { collection: IMPORT_REPORTS, indexes: IMPORT_REPORT_INDEXES },
        { collection: CLIENT_MEASUREMENTS, indexes: CLIENT_MEASUREMENT_INDEXES },
      ],
      runners: Object.values(processors),
      afterRunnersStart: async () => {
        await sessionLinks.recordLinksKeptBeforeEvents();
      },
      reactions: [
        seatsAndAppAccessWhenIdentityChanges(context),
        enrolBuyerWhenProductPurchased(context),
        recordMessageWhenMessageSent(context),
        linkCoachWhenSessionScheduled(sessionLinks),
      ],
    });
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
        GetPurchaseEnrolmentMessageController,
        GetOwnProfileMessageController,
        ChangeOwnProfileMessageController,
        GetPurchasesMessageController,
        ListNotesMessageController,
        RecordMeasurementMessageController,
        RecordOwnMeasurementMessageController,
        ListMeasurementsMessageController,
        ListOwnMeasurementsMessageController,
        GetMeasurementUnitsMessageController,
        SetMeasurementUnitsMessageController,
        ClientsHealthMessageController,
      ],
      providers: [
        { provide: CLIENTS_DEPS, useValue: deps },
        { provide: CLIENTS_PROCESSORS, useValue: processors },
        { provide: CLIENTS_CONTEXT, useValue: context },
        { provide: CLIENTS_LIFECYCLE, useValue: lifecycle },
      ],
    };
  }
}
