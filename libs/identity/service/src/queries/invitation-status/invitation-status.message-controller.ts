import { IdentitySubjects, InvitationStatusResult } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_ACCESS } from '../../identity.deps';

/**
 * What an invitation link can still do, asked by its page before it shows the password form: set
 * a password (`open`); nothing, because the client already chose one (`used`: they sign in); or
 * nothing any more (`invalid`: replaced, expired, or not a link of ours). Only the holder
 * of a genuine link learns anything, and nothing about any address.
 */
@Controller()
export class InvitationStatusMessageController {
  constructor(@Inject(CLIENT_ACCESS) private readonly access: ClientAccess) {}

  @MessagePattern(IdentitySubjects.invitationStatus)
  async status(@Payload() envelope: RequestEnvelope<{ token: string }>): Promise<InvitationStatusResult> {
    const parsed = this.access.links.parse('invitation', envelope.data.token);
    if (!parsed) return { status: 'invalid' };
    const state = await this.access.state(parsed.clientId);
    if (state.status === 'none' || state.status === 'removed') return { status: 'invalid' };
    // A client with a password has a login: whichever of their invitations this was, signing in is what is
    // left (an offline one is told there that their coach paused their access).
    if (state.hasPassword) return { status: 'used' };
    const { invitation } = state;
    const open = state.status === 'invited' && invitation?.tokenId === parsed.tokenId && invitation.expiresAt > new Date().toISOString();
    return { status: open ? 'open' : 'invalid' };
  }
}
