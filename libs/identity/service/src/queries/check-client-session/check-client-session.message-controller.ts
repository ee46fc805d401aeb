import { IdentitySubjects } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_LOGINS, ClientLoginDoc } from '../../read-models/client-logins.projection';
import { CLIENT_ACCESS, IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';

/**
 * Asked by the gateway on every client request: the token is good while the client's access is
 * active, no revocation or password change came after it, and the roster still has the client on
 * a full-access type. The roster is asked directly, so going offline ends access at once.
 */
@Controller()
export class CheckClientSessionMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.checkClientSession)
  async check(@Payload() envelope: RequestEnvelope<{ clientId: string; epoch: number }>): Promise<{ valid: boolean; reason?: 'access_paused' }> {
    const login = await this.deps.documents.collection<ClientLoginDoc>(CLIENT_LOGINS).get(envelope.data.clientId);
    // A client their coach switched to offline is told why their session ended (only the token's own client asks this).
    if (login?.access === 'revoked') return { valid: false, reason: 'access_paused' };
    if (!login || login.access !== 'active' || login.epoch !== envelope.data.epoch) return { valid: false };
    const contact = await this.access.contact(envelope.data.clientId, envelope.correlationId);
    if (contact?.type === 'offline') return { valid: false, reason: 'access_paused' };
    return { valid: contact !== null };
  }
}
