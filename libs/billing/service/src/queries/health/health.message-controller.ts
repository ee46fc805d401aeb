import { BillingSubjects } from '@clientele/billing/contracts';
import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { BILLING_DEPS, BillingDeps } from '../../billing.deps';

@Controller()
export class BillingHealthMessageController {
  constructor(@Inject(BILLING_DEPS) private readonly deps: BillingDeps) {}

  @MessagePattern(BillingSubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.deps.events.ping(), this.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('billing');
  }
}
