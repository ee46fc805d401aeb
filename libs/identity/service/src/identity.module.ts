import { OutboxRelay, ProcessorRunner, processorOptions } from '@clientele/platform/application';
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClientsEvents } from '@clientele/clients/contracts';
import { EventConsumer, durableName } from '@clientele/platform/bus';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { ClientAccess } from './client-access/client-access';
import { ClientLoginsProjection } from './client-access/client-logins.projection';
import { clientAccessIntegrationEvent } from './client-access/mail-events';
import { CLIENT_ACCESS, IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from './identity.deps';
import { AcceptInvitationMessageController } from './use-cases/accept-invitation/accept-invitation.message-controller';
import { CheckClientSessionMessageController } from './use-cases/check-client-session/check-client-session.message-controller';
import { MailEnvelopeMessageController } from './use-cases/mail-envelope/mail-envelope.message-controller';
import { PasswordResetMessageController } from './use-cases/password-reset/password-reset.message-controller';
import { identityIntegrationEvents } from './outbox';
import { IdentityViewsProjection, LOGINS } from './read-models/identity-views.projection';
import { SIGN_IN_INDEXES, SignInsProjection } from './read-models/sign-ins.projection';
import { ChangeStaffPasswordMessageController } from './use-cases/change-staff-password/change-staff-password.message-controller';
import { CheckStaffSessionMessageController } from './use-cases/check-staff-session/check-staff-session.message-controller';
import { ConfirmEmailMessageController } from './use-cases/confirm-email/confirm-email.message-controller';
import { RemoveStaffMemberMessageController } from './use-cases/remove-staff-member/remove-staff-member.message-controller';
import { SignOutMessageController } from './use-cases/sign-out/sign-out.message-controller';
import { claimExistingClientSignIns, rebuildSignInIndexOnce } from './registration/sign-in-upgrades';
import { RegistrationCompleter } from './registration/registration-completer.processor';
import { AddStaffMemberMessageController } from './use-cases/add-staff-member/add-staff-member.message-controller';
import { GetAccountMessageController } from './use-cases/get-account/get-account.message-controller';
import { GetStaffMemberMessageController } from './use-cases/get-staff-member/get-staff-member.message-controller';
import { IdentityHealthMessageController } from './use-cases/health/health.message-controller';
import { ListStaffMessageController } from './use-cases/list-staff/list-staff.message-controller';
import { LoginMessageController } from './use-cases/login/login.message-controller';
import { OpenAccountMessageController } from './use-cases/open-account/open-account.message-controller';
import { UpdateAccountMessageController } from './use-cases/update-account/update-account.message-controller';

/** Accounts, staff, sign-in. Answers requests on `identity.*`, publishes `identity.account.*` events. */
@Module({})
export class IdentityModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: EventConsumer[] = [];

  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  static register(deps: IdentityDeps): DynamicModule {
    const options = processorOptions('identity', deps.logger, deps.leases);
    const access = new ClientAccess(deps.events, deps.documents, deps.requests, deps.jwtSecret, deps.keys);
    const integrationEvents = (recorded: RecordedEvent) => identityIntegrationEvents(recorded) ?? clientAccessIntegrationEvent(recorded);
    const processors: IdentityProcessors = {
      views: new ProcessorRunner(deps.events, deps.documents, new IdentityViewsProjection(deps.documents), options),
      clientLogins: new ProcessorRunner(deps.events, deps.documents, new ClientLoginsProjection(deps.documents, access.codec), options),
      signIns: new ProcessorRunner(deps.events, deps.documents, new SignInsProjection(deps.documents, access.codec), options),
      registrations: new ProcessorRunner(deps.events, deps.documents, new RegistrationCompleter(deps.events, access), options),
      outbox: new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, integrationEvents, 'identity_outbox'), options),
    };
    return {
      module: IdentityModule,
      controllers: [
        OpenAccountMessageController,
        LoginMessageController,
        AddStaffMemberMessageController,
        ListStaffMessageController,
        UpdateAccountMessageController,
        GetAccountMessageController,
        GetStaffMemberMessageController,
        IdentityHealthMessageController,
        AcceptInvitationMessageController,
        PasswordResetMessageController,
        CheckClientSessionMessageController,
        CheckStaffSessionMessageController,
        MailEnvelopeMessageController,
        ConfirmEmailMessageController,
        SignOutMessageController,
        RemoveStaffMemberMessageController,
        ChangeStaffPasswordMessageController,
      ],
      providers: [
        { provide: IDENTITY_DEPS, useValue: deps },
        { provide: IDENTITY_PROCESSORS, useValue: processors },
        { provide: CLIENT_ACCESS, useValue: access },
      ],
    };
  }

  private started = false;

  /** Called once per Nest context of the process (the HTTP app and the microservice share modules). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await rebuildSignInIndexOnce(this.deps.documents);
    await claimExistingClientSignIns(this.deps.events, this.deps.documents, this.access, this.deps.logger);
    await this.deps.documents.collection(LOGINS).ensureIndexes(SIGN_IN_INDEXES);
    await Promise.all(Object.values(this.processors).map((runner) => runner.start()));

    // Client app access follows the roster.
    this.consumers.push(
      await this.deps.bus.consume(
        {
          durableName: durableName('identity', 'clients'),
          sourceService: 'clients',
          subjects: [
            ClientsEvents.clientAdded,
            ClientsEvents.activated,
            ClientsEvents.typeChanged,
            ClientsEvents.contactChanged,
            ClientsEvents.loginDetailsRequested,
            ClientsEvents.passwordResetRequested,
            ClientsEvents.deleted,
          ],
        },
        (event) => this.access.onRosterEvent(event),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.all(Object.values(this.processors).map((runner) => runner.stop()));
  }
}
