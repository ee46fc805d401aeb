import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import { normalizeEmail } from '@clientele/identity/domain';
import { commandMetadata, waitForProjections } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { signInAsClient } from '../../sign-in';
import { CLIENT_ACCESS, IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';

const invalid = () =>
  new AppError(ErrorCodes.validationFailed, 'This invitation link is not valid any more: it was used, replaced or has expired. Ask your coach for a new one.', [
    { field: 'token', message: 'is not valid' },
  ]);

/**
 * The client sets a password from the invitation link, and is signed in. The link works once, and
 * gives a login to the address it was sent to only: that address is claimed in the sign-in
 * registry first (409 `email_taken` when it already signs in anywhere), then the acceptance is
 * recorded. A crash between the two is finished by the SignInClaims processor.
 */
@Controller()
export class AcceptInvitationMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.acceptInvitation)
  async accept(@Payload() envelope: RequestEnvelope<{ token: string; password: string }>): Promise<LoginResult> {
    const parsed = this.access.links.parse('invitation', envelope.data.token);
    if (!parsed) throw invalid();
    const { clientId, tokenId } = parsed;
    const [contact, state] = await Promise.all([this.access.contact(clientId, envelope.correlationId), this.access.state(clientId)]);
    if (!contact || contact.type === 'offline') throw invalid();
    const invitation = state.status === 'invited' ? state.invitation : null;
    if (!invitation || invitation.tokenId !== tokenId || invitation.expiresAt <= new Date().toISOString() || !invitation.email) {
      throw invalid();
    }
    // The coach corrected the address since: the invitation that counts is the one sent to the new one.
    if (normalizeEmail(invitation.email) !== normalizeEmail(contact.email)) throw invalid();

    const passwordHash = await hashPassword(envelope.data.password);
    const metadata = commandMetadata(envelope, { id: clientId, role: 'client', accountId: contact.accountId });
    try {
      await this.access.claimAddress(invitation.email, { clientId, accountId: contact.accountId, purpose: 'invitation', tokenId, passwordHash }, metadata);
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.emailTaken) {
        throw new AppError(
          ErrorCodes.emailTaken,
          `${invitation.email} already signs in to Clientele with another login; ask your coach to use another address for you.`,
          [{ field: 'email', message: 'is already taken' }],
        );
      }
      throw error;
    }
    const result = await this.access.run(
      clientId,
      { type: 'AcceptInvitation', tokenId, email: invitation.email, firstName: contact.firstName, lastName: contact.lastName, passwordHash, metadata: { now: new Date().toISOString() } },
      `accept:${tokenId}`,
      metadata,
    );
    // Already handled: the SignInClaims processor finished this very claim first (it uses the same command id).
    if (result.alreadyHandled && (result.state.status !== 'active' || normalizeEmail(result.state.signInEmail ?? '') !== normalizeEmail(invitation.email))) throw invalid();
    await waitForProjections(result.position, this.processors.clientLogins, this.processors.signIns);
    const login = await signInAsClient(this.deps, clientId);
    // Only history from before the sign-in registry can leave the address with another login.
    if (!login) throw new AppError(ErrorCodes.emailTaken, `${invitation.email} already signs in to Clientele with another login; ask your coach to use another address for you.`);
    return login;
  }
}
