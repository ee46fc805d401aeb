import type { RequestEnvelope } from '@clientele/platform/bus';
import { ProgramView, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SCHEDULING } from '../../scheduling.deps';
import type { Scheduling } from '../../scheduling';

@Controller()
export class RefundBundlePaymentMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.refundBundlePayment)
  async refundPayment(@Payload() envelope: RequestEnvelope<{ clientId: string; programId: string }>): Promise<ProgramView> {
    const { programId } = envelope.data;
    return this.scheduling.changeBundle(envelope, { type: 'RefundBundlePayment', bundleId: programId, metadata: { now: new Date().toISOString() } }, `refund-bundle:${programId}`);
  }
}
