import type { RequestEnvelope } from '@clientele/platform/bus';
import { Money, ProgramView, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SCHEDULING } from '../../scheduling.deps';
import type { Scheduling } from '../../scheduling';

@Controller()
export class RecordBundlePaymentMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  /** A bundle is paid as a whole: its price, or the amount given. */
  @MessagePattern(SchedulingSubjects.recordBundlePayment)
  async recordPayment(@Payload() envelope: RequestEnvelope<{ clientId: string; programId: string; amount?: Money }>): Promise<ProgramView> {
    const { programId, amount } = envelope.data;
    return this.scheduling.changeBundle(envelope, { type: 'RecordBundlePayment', bundleId: programId, amount, metadata: { now: new Date().toISOString() } }, `pay-bundle:${programId}`);
  }
}
