import { ChangeContactRequest, ClientProfile, ClientsErrors, ClientsSubjects } from '@clientele/clients/contracts';
import { clientExists, validateContactChanges } from '@clientele/clients/domain';
import { IdentitySubjects, type AddressSignsInRequest, type AddressSignsInResult } from '@clientele/identity/contracts';
import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { canSee } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';

/** How many times a change without If-Match starts over after someone else changed the client first. */
const MAX_ATTEMPTS = 5;

/**
 * Contact edits (the Contact tab). With If-Match, a client changed meanwhile is a
 * concurrency_conflict. A new e-mail is claimed on the roster first (unique per account); if the
 * client then turns out to have changed meanwhile, the claim is given back.
 *
 * Without If-Match the caller asked for no check, so a conflict is ours to resolve (issue 17: a
 * note added meanwhile made PATCH answer 409): the change applies to the client as it is when its
 * turn comes. Only a change that carries an e-mail needs the e-mail it read to be still the
 * client's (the roster claim, or its absence, was decided from that one); if another change moved
 * it meanwhile, we start over.
 */
@Controller()
export class ChangeContactMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.changeContact)
  async changeContact(@Payload() envelope: RequestEnvelope<ChangeContactRequest>): Promise<ClientProfile> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(envelope);
      } catch (error) {
        const retry = envelope.data.expectedVersion === undefined && error instanceof AppError && error.code === ErrorCodes.concurrencyConflict && attempt < MAX_ATTEMPTS;
        if (!retry) throw error;
      }
    }
  }

  private async attempt(envelope: RequestEnvelope<ChangeContactRequest>): Promise<ClientProfile> {
    const actor = requireStaff(envelope.actor);
    const { clientId, changes, expectedVersion } = envelope.data;
    const valid = validateContactChanges(changes);
    const state = await this.context.loadClient(clientId);
    if (!clientExists(state) || !canSee(actor, state)) throw notFound();
    if (expectedVersion !== undefined && expectedVersion !== state.version) {
      throw new AppError(ErrorCodes.concurrencyConflict, 'The client changed since you read it; reload it and apply your change again.');
    }
    const metadata = commandMetadata(envelope, actor);
    const commandId = randomUUID();
    const newEmail = valid.email !== undefined && valid.email.toLowerCase() !== state.contact.email.toLowerCase() ? valid.email : null;
    const previousKey = await this.context.emailKey(actor.accountId, state.contact.email);
    if (newEmail && state.type !== 'offline') await this.refuseAddressThatSignsInElsewhere(clientId, newEmail, envelope.correlationId);
    if (newEmail) {
      await this.context.roster(actor.accountId, { type: 'ChangeEmail', clientId, emailKey: await this.context.emailKey(actor.accountId, newEmail) }, `${commandId}:claim`, metadata);
    }
    try {
      await handleAndWait(
        this.context.changeClient(
          clientId,
          actor,
          { type: 'ChangeContact', changes: valid, expectedVersion, metadata: { actorId: actor.id, now: new Date().toISOString() } },
          commandId,
          metadata,
          {
            fresh: true,
            precondition: (current) => {
              if (valid.email !== undefined && current.contact.email.toLowerCase() !== state.contact.email.toLowerCase()) {
                throw new AppError(ErrorCodes.concurrencyConflict, 'The client changed since you read it; reload it and apply your change again.');
              }
            },
          },
        ),
        this.context.views,
      );
    } catch (error) {
      if (newEmail) {
        await this.context.roster(actor.accountId, { type: 'ChangeEmail', clientId, emailKey: previousKey }, `${commandId}:release`, metadata);
      }
      throw error;
    }
    return this.context.profile(clientId);
  }

  /**
   * A client who signs in, or may (any type but offline), moves to a new address only once its
   * owner confirms it, and that confirmation is refused when the address signs in to another login
   * anywhere in Clientele. Asking identity first tells the coach now, at the edit, rather than the
   * client at a link that can never work (issue 21). An offline client's address is contact data
   * only. A sign-up between this check and the confirmation is still caught there.
   */
  private async refuseAddressThatSignsInElsewhere(clientId: string, email: string, correlationId?: string): Promise<void> {
    const { signsIn } = await this.context.deps.requests.request<AddressSignsInResult>(IdentitySubjects.addressSignsIn, {
      correlationId,
      data: { email, except: clientId } satisfies AddressSignsInRequest,
    });
    if (signsIn) throw ClientsErrors.emailSignsInElsewhere(email);
  }
}
