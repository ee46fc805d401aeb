import { ClientProfile, ClientsSubjects, GetClientRequest } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { canRead } from '../../authorization';
import type { ClientsContext } from '../../clients.context';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { CLIENTS, ClientDoc, toProfile } from '../../read-models/client-doc';

@Controller()
export class GetClientMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  /**
   * Another account's client, or a client of another coach, is simply not found (existence is not
   * leaked); a coach with a session with the client sees it too.
   */
  @MessagePattern(ClientsSubjects.getClient)
  async getClient(@Payload() envelope: RequestEnvelope<GetClientRequest>): Promise<ClientProfile> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.context.deps.documents.collection<ClientDoc>(CLIENTS).get(envelope.data.clientId);
    if (!doc || !(await canRead(actor, doc, this.context.sessionLinks))) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    return toProfile(doc);
  }
}
