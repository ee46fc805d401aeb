import { ChangeContactRequest, ClientProfile, ClientsSubjects } from '@clientele/clients/contracts';
import { validateContactChanges } from '@clientele/clients/domain';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { canSee } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';

/**
 * Contact edits (the Contact tab). With If-Match, a client changed meanwhile is a
 * concurrency_conflict. A new e-mail is claimed on the roster first (unique per account); if the
 * client then turns out to have changed meanwhile, the claim is given back.
 */
@Controller()
export class ChangeContactMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.changeContact)
  async changeContact(@Payload() envelope: RequestEnvelope<ChangeContactRequest>): Promise<ClientProfile> {
    const actor = requireStaff(envelope.actor);
    const { clientId, changes, expectedVersion } = envelope.data;
    const valid = validateContactChanges(changes);
    const state = await this.context.loadClient(clientId);
    if (!state.exists || state.deleted || !canSee(actor, state)) throw notFound();
    if (expectedVersion !== undefined && expectedVersion !== state.version) {
      throw new AppError(ErrorCodes.concurrencyConflict, 'The client changed since you read it; reload it and apply your change again.');
    }
    const metadata = { correlationId: envelope.correlationId, actor: { id: actor.id, role: actor.role }, accountId: actor.accountId };
    const commandId = randomUUID();
    const newEmail = valid.email !== undefined && valid.email.toLowerCase() !== state.contact.email.toLowerCase() ? valid.email : null;
    const previousKey = await this.context.emailKey(actor.accountId, state.contact.email);
    if (newEmail) {
      await this.context.roster(actor.accountId, { type: 'ChangeEmail', clientId, emailKey: await this.context.emailKey(actor.accountId, newEmail) }, `${commandId}:claim`, metadata);
    }
    try {
      const result = await this.context.changeClient(
        clientId,
        actor,
        { type: 'ChangeContact', changes: valid, expectedVersion: expectedVersion ?? state.version, actorId: actor.id, now: new Date().toISOString() },
        commandId,
        metadata,
      );
      await this.context.waitForViews(result.position);
    } catch (error) {
      if (newEmail) {
        await this.context.roster(actor.accountId, { type: 'ChangeEmail', clientId, emailKey: previousKey }, `${commandId}:release`, metadata);
      }
      throw error;
    }
    return this.context.profile(clientId);
  }
}
