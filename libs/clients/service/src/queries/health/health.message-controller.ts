import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { ClientsSubjects } from '@clientele/clients/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { CLIENTS_DEPS, ClientsDeps } from '../../clients.deps';

@Controller()
export class ClientsHealthMessageController {
  constructor(@Inject(CLIENTS_DEPS) private readonly deps: ClientsDeps) {}

  @MessagePattern(ClientsSubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.deps.events.ping(), this.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('clients');
  }
}
