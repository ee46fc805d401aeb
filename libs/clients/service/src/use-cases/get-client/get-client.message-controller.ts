import { ClientProfile, ClientsSubjects, GetClientRequest } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { canSee } from '../../authorization';
import { CLIENTS_DEPS, ClientsDeps } from '../../clients.deps';
import { CLIENTS, ClientDoc, toProfile } from '../../read-models/client-doc';

@Controller()
export class GetClientMessageController {
  constructor(@Inject(CLIENTS_DEPS) private readonly deps: ClientsDeps) {}

  /** Another account's client, or a client of another coach, is simply not found (existence is not leaked). */
  @MessagePattern(ClientsSubjects.getClient)
  async getClient(@Payload() envelope: RequestEnvelope<GetClientRequest>): Promise<ClientProfile> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.deps.documents.collection<ClientDoc>(CLIENTS).get(envelope.data.clientId);
    if (!doc || !canSee(actor, doc)) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    return toProfile(doc);
  }
}
