import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { ClientsEvents } from '@clientele/clients/contracts';
import { EventConsumer, durableName } from '@clientele/platform/bus';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { PROGRAMS, SESSIONS } from './read-models/documents';
import { Scheduling, SchedulingDeps } from './scheduling';
import { SCHEDULING } from './scheduling.deps';
import { ListsMessageController } from './use-cases/lists/lists.message-controller';
import { PaymentsMessageController } from './use-cases/payments/payments.message-controller';
import { ProgramsMessageController } from './use-cases/programs/programs.message-controller';
import { OnRosterEvents } from './use-cases/roster-events/on-roster-events.handler';
import { SessionsMessageController } from './use-cases/sessions/sessions.message-controller';

@Controller()
class SchedulingHealthController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.scheduling.deps.events.ping(), this.scheduling.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('scheduling');
  }
}

/**
 * Sessions, programs (bundles) and payments per session. Answers `scheduling.*`, publishes
 * `scheduling.session.*`, and consumes the roster's purchases (session packs become bundles) and
 * deletions (the client's coming sessions are cancelled).
 */
@Module({})
export class SchedulingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private started = false;
  private consumers: EventConsumer[] = [];

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
    const roster = new OnRosterEvents(this.scheduling);
    this.consumers.push(
      await this.scheduling.deps.bus.consume(
        { durableName: durableName('scheduling', 'clients'), sourceService: 'clients', subjects: [ClientsEvents.purchaseRecorded, ClientsEvents.deleted] },
        (event) => roster.handle(event),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.all(this.scheduling.runners.map((runner) => runner.stop()));
  }
}
