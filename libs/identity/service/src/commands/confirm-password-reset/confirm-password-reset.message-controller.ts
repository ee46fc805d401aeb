import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import { commandMetadata, waitForProjections } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { signInAsClient } from '../../sign-in';
import { CLIENT_ACCESS, IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';
import { confirmStaffPasswordReset, isStaffResetToken } from '../../staff-access/confirm-staff-password-reset';

/**
 * A client sets a new password from the reset link, and is signed in. The link works once, and
 * only for the login it was issued for.
 */
@Controller()
export class ConfirmPasswordResetMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.confirmPasswordReset)
  async confirm(@Payload() envelope: RequestEnvelope<{ token: string; password: string }>): Promise<LoginResult> {
    // The reset page is the same for everyone: a staff member's link is theirs to check.
    if (isStaffResetToken(envelope.data.token)) return confirmStaffPasswordReset(this.deps, this.processors, envelope);
    const invalid = new AppError(ErrorCodes.validationFailed, 'This reset link is not valid any more: it was used, replaced or has expired. Ask for a new one.', [
      { field: 'token', message: 'is not valid' },
    ]);
    const parsed = this.access.links.parse('reset', envelope.data.token);
    if (!parsed) throw invalid;
    const contact = await this.access.contact(parsed.clientId, envelope.correlationId);
    if (!contact || contact.type === 'offline') throw invalid;
    const result = await this.access.run(
      parsed.clientId,
      { type: 'ResetPassword', tokenId: parsed.tokenId, passwordHash: await hashPassword(envelope.data.password), metadata: { now: new Date().toISOString() } },
      `reset:${parsed.tokenId}`,
      commandMetadata(envelope, { id: parsed.clientId, role: 'client', accountId: contact.accountId }),
    );
    if (result.alreadyHandled) throw invalid;
    await waitForProjections(result.position, this.processors.clientLogins, this.processors.signIns);
    // The reset acts on the login it was issued for: this client's own, never "whoever has this address now".
    const login = await signInAsClient(this.deps, parsed.clientId);
    if (!login) throw invalid;
    return login;
  }
}
