import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import { clientExists } from '@clientele/clients/domain';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';

/**
 * For other services only (identity's invitations, notifications' mail): the client's current
 * contact details, read from its stream. A deleted client is not found: nothing goes out to them.
 */
@Controller()
export class GetContactMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.getContact)
  async getContact(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<ClientContactView> {
    const state = await this.context.loadClient(envelope.data.clientId);
    if (!clientExists(state)) throw notFound();
    return {
      clientId: state.clientId,
      accountId: state.accountId,
      coachId: state.coachId,
      firstName: state.contact.firstName,
      lastName: state.contact.lastName,
      email: state.contact.email,
      type: state.type,
      status: state.status,
      appAccess: state.appAccess,
      version: state.version,
    };
  }
}
