import { IdentitySubjects, OpenAccountRequest, OpenAccountResult } from '@clientele/identity/contracts';
import { PendingRegistration, normalizeEmail } from '@clientele/identity/domain';
import { commandMetadata, entityIdFor, waitForProjections } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';
import { register } from '../../registration';

/**
 * Sign-up: a business and its owner (an admin). The owner's e-mail claim is the commit point;
 * with an Idempotency-Key the same request always gives the same account.
 */
@Controller()
export class OpenAccountMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
  ) {}

  @MessagePattern(IdentitySubjects.openAccount)
  async openAccount(@Payload() envelope: RequestEnvelope<OpenAccountRequest>): Promise<OpenAccountResult> {
    const { data } = envelope;
    const email = data.owner.email.trim();
    const accountId = entityIdFor(envelope, (key) => ['account', key, normalizeEmail(email)]);
    const ownerId = entityIdFor(envelope, (key) => ['owner', key, normalizeEmail(email)]);
    const now = new Date().toISOString();

    const registration: PendingRegistration = {
      account: { accountId, businessName: data.businessName, seatLimit: data.seatLimit ?? null },
      staffMember: {
        userId: ownerId,
        accountId,
        firstName: data.owner.firstName,
        lastName: data.owner.lastName,
        email,
        role: 'admin',
        passwordHash: await hashPassword(data.owner.password),
        registeredBy: null,
      },
    };
    const position = await register(this.deps.events, registration, commandMetadata(envelope, { id: ownerId, role: 'admin', accountId }), now);
    // The owner can sign in as soon as we answer.
    await waitForProjections(position, this.processors.views, this.processors.signIns);
    return { accountId, ownerId };
  }
}
