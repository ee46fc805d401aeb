import { OutboxRelay, ProcessorRunner, ServiceLifecycle, processorOptions } from '@clientele/platform/application';
import { DynamicModule, Module } from '@nestjs/common';
import { ClientAccess } from './client-access/client-access';
import { AcceptInvitationMessageController } from './commands/accept-invitation/accept-invitation.message-controller';
import { AddStaffMemberMessageController } from './commands/add-staff-member/add-staff-member.message-controller';
import { ChangeStaffPasswordMessageController } from './commands/change-staff-password/change-staff-password.message-controller';
import { ConfirmEmailMessageController } from './commands/confirm-email/confirm-email.message-controller';
import { ConfirmPasswordResetMessageController } from './commands/confirm-password-reset/confirm-password-reset.message-controller';
import { LoginMessageController } from './commands/login/login.message-controller';
import { OpenAccountMessageController } from './commands/open-account/open-account.message-controller';
import { RemoveStaffMemberMessageController } from './commands/remove-staff-member/remove-staff-member.message-controller';
import { RequestPasswordResetMessageController } from './commands/request-password-reset/request-password-reset.message-controller';
import { SignOutMessageController } from './commands/sign-out/sign-out.message-controller';
import { UpdateAccountMessageController } from './commands/update-account/update-account.message-controller';
import { ChangeStaffAccessMessageController } from './commands/change-staff-access/change-staff-access.message-controller';
import { SendStaffPasswordResetMessageController } from './commands/send-staff-password-reset/send-staff-password-reset.message-controller';
import { ConfirmStaffPasswordResetMessageController } from './commands/confirm-staff-password-reset/confirm-staff-password-reset.message-controller';
import { StaffMailEnvelopeMessageController } from './queries/staff-mail-envelope/staff-mail-envelope.message-controller';
import { CLIENT_ACCESS, IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from './identity.deps';
import { identityIntegrationEvents } from './outbox';
import { RegistrationCompleter } from './processes/registration-completer/registration-completer.processor';
import { AddressSignsInMessageController } from './queries/address-signs-in/address-signs-in.message-controller';
import { CheckClientSessionMessageController } from './queries/check-client-session/check-client-session.message-controller';
import { CheckStaffSessionMessageController } from './queries/check-staff-session/check-staff-session.message-controller';
import { GetAccountMessageController } from './queries/get-account/get-account.message-controller';
import { GetStaffMemberMessageController } from './queries/get-staff-member/get-staff-member.message-controller';
import { IdentityHealthMessageController } from './queries/health/health.message-controller';
import { ListStaffMessageController } from './queries/list-staff/list-staff.message-controller';
import { InvitationStatusMessageController } from './queries/invitation-status/invitation-status.message-controller';
import { MailEnvelopeMessageController } from './queries/mail-envelope/mail-envelope.message-controller';
import { appAccessWhenClientChanges } from './reactions/app-access-when-client-changes/app-access-when-client-changes';
import { ClientLoginsProjection } from './read-models/client-logins.projection';
import { IdentityViewsProjection, LOGINS } from './read-models/identity-views.projection';
import { SIGN_IN_INDEXES, SignInsProjection } from './read-models/sign-ins.projection';
import { claimExistingClientSignIns, rebuildSignInIndexOnce } from './upgrades/sign-in-upgrades';

const IDENTITY_LIFECYCLE = Symbol('IdentityLifecycle');

/** Accounts, staff, sign-in. Answers requests on `identity.*`, publishes `identity.account.*` events. */
@Module({})
export class IdentityModule {

  static register(deps: IdentityDeps): DynamicModule {
    const options = processorOptions('identity', deps);
    const access = new ClientAccess(deps.events, deps.documents, deps.requests, deps.jwtSecret, deps.keys);
    const processors: IdentityProcessors = {
      views: new ProcessorRunner(deps.events, deps.documents, new IdentityViewsProjection(deps.documents), options),
      clientLogins: new ProcessorRunner(deps.events, deps.documents, new ClientLoginsProjection(deps.documents, access.codec), options),
      signIns: new ProcessorRunner(deps.events, deps.documents, new SignInsProjection(deps.documents, access.codec), options),
      registrations: new ProcessorRunner(deps.events, deps.documents, new RegistrationCompleter(deps.events, access), options),
      outbox: new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, identityIntegrationEvents, 'identity_outbox'), options),
    };
    const lifecycle = new ServiceLifecycle({
      documents: deps.documents,
      bus: deps.bus,
      indexes: [{ collection: LOGINS, indexes: SIGN_IN_INDEXES }],
      // The sign-in upgrades reset the sign-in projections' checkpoints: before those run.
      beforeRunnersStart: async () => {
        await rebuildSignInIndexOnce(deps.documents);
        await claimExistingClientSignIns(deps.events, deps.documents, access, deps.logger);
      },
      runners: Object.values(processors),
      reactions: [appAccessWhenClientChanges(access)],
    });
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
        RequestPasswordResetMessageController,
        ConfirmPasswordResetMessageController,
        CheckClientSessionMessageController,
        CheckStaffSessionMessageController,
        MailEnvelopeMessageController,
        InvitationStatusMessageController,
        AddressSignsInMessageController,
        ConfirmEmailMessageController,
        SignOutMessageController,
        RemoveStaffMemberMessageController,
        ChangeStaffPasswordMessageController,
        ChangeStaffAccessMessageController,
        SendStaffPasswordResetMessageController,
        ConfirmStaffPasswordResetMessageController,
        StaffMailEnvelopeMessageController,
      ],
      providers: [
        { provide: IDENTITY_DEPS, useValue: deps },
        { provide: IDENTITY_PROCESSORS, useValue: processors },
        { provide: CLIENT_ACCESS, useValue: access },
        { provide: IDENTITY_LIFECYCLE, useValue: lifecycle },
      ],
    };
  }
}
