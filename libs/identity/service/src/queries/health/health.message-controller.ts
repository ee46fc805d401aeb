import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { IdentitySubjects } from '@clientele/identity/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';

@Controller()
export class IdentityHealthMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  /** Answers only when the service's own stores answer: the gateway's /health asks this. */
  @MessagePattern(IdentitySubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.deps.events.ping(), this.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('identity');
  }
}
