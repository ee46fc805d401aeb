import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

@Controller()
export class SchedulingHealthMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.scheduling.deps.events.ping(), this.scheduling.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('scheduling');
  }
}
