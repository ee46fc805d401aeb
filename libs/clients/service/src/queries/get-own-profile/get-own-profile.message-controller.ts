import { ClientsSubjects, OwnProfile } from '@clientele/clients/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { readOwnProfile, requireClient } from './own-profile';

/** The client's own profile, as the client app shows it. */
@Controller()
export class GetOwnProfileMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.getOwnProfile)
  async get(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<OwnProfile> {
    return readOwnProfile(this.context, requireClient(envelope.actor).id);
  }
}
