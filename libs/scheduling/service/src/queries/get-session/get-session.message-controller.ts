import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { toSessionView } from '../../read-models/documents';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

@Controller()
export class GetSessionMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.getSession)
  async get(@Payload() envelope: RequestEnvelope<{ sessionId: string }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    return toSessionView(await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId));
  }
}
