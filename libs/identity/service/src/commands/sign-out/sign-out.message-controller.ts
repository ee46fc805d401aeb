import { IdentitySubjects } from '@clientele/identity/contracts';
import { staffMemberDecider } from '@clientele/identity/domain';
import { commandMetadata, handleAndWait, handleCommand } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_ACCESS, IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { staffStream } from '../../streams';

/**
 * Signs the caller out everywhere: their access epoch ends, so every token they hold (this one
 * and those on other devices) stops working on its next request.
 */
@Controller()
export class SignOutMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.signOut)
  async signOut(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<{ signedOut: true }> {
    const actor = envelope.actor;
    if (!actor) throw new AppError(ErrorCodes.unauthorized, 'Sign in first.');
    const metadata = commandMetadata(envelope, actor);
    const now = new Date().toISOString();
    if (actor.role === 'client') {
      await handleAndWait(this.access.run(actor.id, { type: 'SignOut', metadata: { now } }, randomUUID(), metadata), this.processors.clientLogins);
    } else {
      await handleAndWait(handleCommand(this.deps.events, staffStream(actor.id), staffMemberDecider, { type: 'SignOut', metadata: { now } }, { commandId: randomUUID(), metadata }), this.processors.views);
    }
    return { signedOut: true };
  }
}
