import { ConfirmEmailResult, IdentitySubjects } from '@clientele/identity/contracts';
import { commandMetadata, waitForProjections } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_ACCESS, IDENTITY_PROCESSORS, IdentityProcessors } from '../../identity.deps';

const invalid = () =>
  new AppError(ErrorCodes.validationFailed, 'This confirmation link is not valid any more: it was used, replaced or has expired. Ask your coach to change your address again.', [
    { field: 'token', message: 'is not valid' },
  ]);

/**
 * A client proves they control the new address their coach gave them, by the link sent to it.
 * The new address is claimed in the sign-in registry (409 `email_taken` when it already signs in
 * anywhere), becomes their sign-in, and the old one is released. A crash between the steps is
 * finished by the SignInClaims processor.
 */
@Controller()
export class ConfirmEmailMessageController {
  constructor(
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.confirmEmail)
  async confirm(@Payload() envelope: RequestEnvelope<{ token: string }>): Promise<ConfirmEmailResult> {
    const parsed = this.access.links.parse('email', envelope.data.token);
    if (!parsed) throw invalid();
    const { clientId, tokenId } = parsed;
    const state = await this.access.state(clientId);
    if (state.status === 'none' || state.status === 'removed') throw invalid();
    const change = state.emailChange;
    if (!change || change.tokenId !== tokenId || change.expiresAt <= new Date().toISOString() || !change.email) throw invalid();
    const metadata = commandMetadata(envelope, { id: clientId, role: 'client', accountId: state.accountId });
    await this.access.claimAddress(change.email, { clientId, accountId: state.accountId, purpose: 'email_change', tokenId }, metadata);
    const result = await this.access.run(clientId, { type: 'ConfirmEmailChange', tokenId, metadata: { now: new Date().toISOString() } }, `confirm-email:${tokenId}`, metadata);
    const changed = result.events.find((event) => event.type === 'ClientSignInEmailChanged');
    if (!changed || changed.type !== 'ClientSignInEmailChanged') throw invalid();
    await this.access.releaseAddress(changed.data.previousEmail, clientId, 'client_email_changed', `release:${tokenId}`, metadata);
    await waitForProjections(result.position, this.processors.clientLogins, this.processors.signIns);
    return { email: changed.data.email };
  }
}
