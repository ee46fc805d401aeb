import { ClientsSubjects } from '@clientele/clients/contracts';
import { commandIdFor, commandMetadata } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';

/** A coach triggers a password reset for a client: recorded, then published for identity to e-mail the link. */
@Controller()
export class RequestPasswordResetMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.requestPasswordReset)
  async requestPasswordReset(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<{ accepted: true }> {
    const actor = requireStaff(envelope.actor);
    await this.context.changeClient(
      envelope.data.clientId,
      actor,
      { type: 'RequestPasswordReset', metadata: { actorId: actor.id, now: new Date().toISOString() } },
      commandIdFor(envelope, (key) => `password-reset:${key}`),
      commandMetadata(envelope, actor),
    );
    return { accepted: true };
  }
}
