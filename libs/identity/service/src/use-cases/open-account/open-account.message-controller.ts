import { IdentitySubjects, OpenAccountRequest, OpenAccountResult } from '@clientele/identity/contracts';
import { PendingRegistration, loginEmailDecider, normalizeEmail } from '@clientele/identity/domain';
import { deterministicId, handleCommand } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';
import { completeRegistration } from '../../registration/complete-registration';
import { loginEmailStream } from '../../streams';

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
    const { data, idempotencyKey, correlationId } = envelope;
    const email = data.owner.email.trim();
    const key = idempotencyKey ? [idempotencyKey, normalizeEmail(email)] : null;
    const accountId = key ? deterministicId('account', ...key) : randomUUID();
    const ownerId = key ? deterministicId('owner', ...key) : randomUUID();
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
    const metadata = { correlationId, actor: { id: ownerId, role: 'admin' }, accountId };
    await handleCommand(
      this.deps.events,
      loginEmailStream(email),
      loginEmailDecider,
      { type: 'ClaimLoginEmail', email, registration, now },
      { commandId: `claim-login:${ownerId}`, metadata },
    );
    const position = await completeRegistration(this.deps.events, registration, metadata, now);
    // The owner can sign in as soon as we answer.
    if (position !== null) await Promise.all([this.processors.views.waitFor(position), this.processors.signIns.waitFor(position)]);
    return { accountId, ownerId };
  }
}
