import { OutboxRelay, ProcessorRunner } from '@clientele/platform/application';
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from './identity.deps';
import { identityIntegrationEvents } from './outbox';
import { IdentityViewsProjection } from './read-models/identity-views.projection';
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
  constructor(@Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors) {}

  static register(deps: IdentityDeps): DynamicModule {
    const onError = (error: unknown, processor: string) =>
      deps.logger.error(`${processor} failed; resuming from its checkpoint`, (error as Error)?.stack ?? String(error), 'identity');
    const processors: IdentityProcessors = {
      views: new ProcessorRunner(deps.events, deps.documents, new IdentityViewsProjection(), { onError }),
      registrations: new ProcessorRunner(deps.events, deps.documents, new RegistrationCompleter(deps.events), { onError }),
      outbox: new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, identityIntegrationEvents, 'identity_outbox'), { onError }),
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
      ],
      providers: [
        { provide: IDENTITY_DEPS, useValue: deps },
        { provide: IDENTITY_PROCESSORS, useValue: processors },
      ],
    };
  }

  private started = false;

  /** Called once per Nest context of the process (the HTTP app and the microservice share modules). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all(Object.values(this.processors).map((runner) => runner.start()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.processors).map((runner) => runner.stop()));
  }
}
