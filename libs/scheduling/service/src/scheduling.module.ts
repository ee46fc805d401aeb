import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { PROGRAMS, SESSIONS } from './read-models/documents';
import { Scheduling, SchedulingDeps } from './scheduling';
import { SCHEDULING } from './scheduling.deps';
import { ListsMessageController } from './use-cases/lists/lists.message-controller';
import { PaymentsMessageController } from './use-cases/payments/payments.message-controller';
import { ProgramsMessageController } from './use-cases/programs/programs.message-controller';
import { SessionsMessageController } from './use-cases/sessions/sessions.message-controller';

@Controller()
class SchedulingHealthController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.health)
  async health(): Promise<{ status: 'ok' }> {
    await Promise.all([this.scheduling.deps.events.ping(), this.scheduling.deps.documents.ping()]);
    return { status: 'ok' };
  }
}

/**
 * Sessions, programs (bundles) and payments per session. Answers `scheduling.*`, publishes
 * `scheduling.session.*`.
 */
@Module({})
export class SchedulingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private started = false;

  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  static register(deps: SchedulingDeps): DynamicModule {
    return {
      module: SchedulingModule,
      controllers: [SessionsMessageController, PaymentsMessageController, ProgramsMessageController, ListsMessageController, SchedulingHealthController],
      providers: [{ provide: SCHEDULING, useValue: new Scheduling(deps) }],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { documents } = this.scheduling.deps;
    await documents.collection(SESSIONS).ensureIndexes([
      { fields: [['clientId', 1], ['start', 1]] },
      { fields: [['coachId', 1], ['start', 1]] },
    ]);
    await documents.collection(PROGRAMS).ensureIndexes([{ fields: [['clientId', 1], ['createdAt', 1]] }]);
    await Promise.all(this.scheduling.runners.map((runner) => runner.start()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.scheduling.runners.map((runner) => runner.stop()));
  }
}
