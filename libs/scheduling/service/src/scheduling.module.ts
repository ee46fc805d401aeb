import { ServiceLifecycle } from '@clientele/platform/application';
import { DynamicModule, Module } from '@nestjs/common';
import { CancelSessionMessageController } from './commands/cancel-session/cancel-session.message-controller';
import { CompleteSessionMessageController } from './commands/complete-session/complete-session.message-controller';
import { CreateBundleMessageController } from './commands/create-bundle/create-bundle.message-controller';
import { RecordBundlePaymentMessageController } from './commands/record-bundle-payment/record-bundle-payment.message-controller';
import { RecordPaymentMessageController } from './commands/record-payment/record-payment.message-controller';
import { RefundBundlePaymentMessageController } from './commands/refund-bundle-payment/refund-bundle-payment.message-controller';
import { RefundPaymentMessageController } from './commands/refund-payment/refund-payment.message-controller';
import { RescheduleSessionMessageController } from './commands/reschedule-session/reschedule-session.message-controller';
import { ScheduleSessionMessageController } from './commands/schedule-session/schedule-session.message-controller';
import { ClientPaymentSummaryMessageController } from './queries/client-payment-summary/client-payment-summary.message-controller';
import { ClientPaymentsMessageController } from './queries/client-payments/client-payments.message-controller';
import { ClientProgramsMessageController } from './queries/client-programs/client-programs.message-controller';
import { ClientSessionSummaryMessageController } from './queries/client-session-summary/client-session-summary.message-controller';
import { ClientSessionsMessageController } from './queries/client-sessions/client-sessions.message-controller';
import { CoachAgendaMessageController } from './queries/coach-agenda/coach-agenda.message-controller';
import { CoachSessionsMessageController } from './queries/coach-sessions/coach-sessions.message-controller';
import { GetSessionMessageController } from './queries/get-session/get-session.message-controller';
import { SchedulingHealthMessageController } from './queries/health/health.message-controller';
import { bundlesAndSessionsWhenClientChanges } from './reactions/bundles-and-sessions-when-client-changes/bundles-and-sessions-when-client-changes';
import { refundsWhenPurchaseRefunded } from './reactions/refunds-when-purchase-refunded/refunds-when-purchase-refunded';
import { PROGRAMS, PURCHASES, SESSIONS } from './read-models/documents';
import { Scheduling, SchedulingDeps } from './scheduling';
import { SCHEDULING } from './scheduling.deps';

const SCHEDULING_LIFECYCLE = Symbol('SchedulingLifecycle');

/**
 * Sessions, programs (bundles) and payments per session. Answers `scheduling.*`, publishes
 * `scheduling.session.*`, and consumes the roster's purchases (session packs become bundles, other
 * products payments) and deletions (the client's coming sessions are cancelled), and billing's
 * refunds (Finances shows them).
 */
@Module({})
export class SchedulingModule {

  static register(deps: SchedulingDeps): DynamicModule {
    const scheduling = new Scheduling(deps);
    const lifecycle = new ServiceLifecycle({
      documents: deps.documents,
      bus: deps.bus,
      indexes: [
        {
          collection: SESSIONS,
          indexes: [
            { fields: [['clientId', 1], ['start', 1]] },
            { fields: [['coachId', 1], ['start', 1]] },
          ],
        },
        { collection: PROGRAMS, indexes: [{ fields: [['clientId', 1], ['createdAt', 1]] }] },
        { collection: PURCHASES, indexes: [{ fields: [['clientId', 1]] }] },
      ],
      runners: scheduling.runners,
      reactions: [bundlesAndSessionsWhenClientChanges(scheduling), refundsWhenPurchaseRefunded(scheduling)],
    });
    return {
      module: SchedulingModule,
      controllers: [
        ScheduleSessionMessageController,
        RescheduleSessionMessageController,
        CancelSessionMessageController,
        CompleteSessionMessageController,
        GetSessionMessageController,
        RecordPaymentMessageController,
        RefundPaymentMessageController,
        ClientPaymentsMessageController,
        ClientPaymentSummaryMessageController,
        CreateBundleMessageController,
        RecordBundlePaymentMessageController,
        RefundBundlePaymentMessageController,
        ClientProgramsMessageController,
        ClientSessionsMessageController,
        CoachSessionsMessageController,
        CoachAgendaMessageController,
        ClientSessionSummaryMessageController,
        SchedulingHealthMessageController,
      ],
      providers: [
        { provide: SCHEDULING, useValue: scheduling },
        { provide: SCHEDULING_LIFECYCLE, useValue: lifecycle },
      ],
    };
  }
}
