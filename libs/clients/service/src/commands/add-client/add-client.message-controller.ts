import { AddClientRequest, ClientProfile, ClientsSubjects } from '@clientele/clients/contracts';
import { ClientAddedData, initialAppAccess, validateNewClient } from '@clientele/clients/domain';
import { IdentitySubjects, StaffMemberView } from '@clientele/identity/contracts';
import { commandMetadata, entityIdFor, waitForProjections } from '@clientele/platform/application';
import { requireCapability, requireStaff, type RequestActor, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { enrolNewClients, newClient } from '../../enrolment/enrolment';

/**
 * Adding a client: the enrolment (`enrolment/`) enrols it in the account's roster (the commit
 * point, where e-mail uniqueness and seats are decided under optimistic concurrency) and starts its
 * own stream with ClientAdded; then the request waits until the list shows it.
 */
@Controller()
export class AddClientMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.addClient)
  async addClient(@Payload() envelope: RequestEnvelope<AddClientRequest>): Promise<ClientProfile> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'create_clients');
    const input = validateNewClient(envelope.data);
    const coachId = await resolveCoach(this.context, actor, envelope.data.coachId, envelope.correlationId);
    const clientId = entityIdFor(envelope, (key) => ['client', actor.accountId, key]);
    const client: ClientAddedData = {
      clientId,
      accountId: actor.accountId,
      ...input,
      status: 'active',
      coachId,
      source: { kind: 'manual' },
      appAccess: initialAppAccess(input.type, input.sendInvitation),
      addedAt: new Date().toISOString(),
      addedBy: actor.id,
    };
    const metadata = commandMetadata(envelope, actor);
    const [{ plan, added }] = await enrolNewClients(
      this.context,
      actor.accountId,
      [await newClient(this.context, client, 'refuse')],
      // Spelled as when first recorded: the roster's event ids derive from this command id.
      `enroll:${clientId}`,
      metadata,
    );
    if (plan.refusal) throw plan.refusal;
    await waitForProjections(added?.position ?? null, this.context.views);
    return this.context.profile(clientId);
  }
}

/** A coach's clients are their own; an admin may give a client to any staff member of the account. */
export async function resolveCoach(context: ClientsContext, actor: RequestActor, requested: string | undefined, correlationId?: string): Promise<string> {
  if (requested === undefined || requested === actor.id) return actor.id;
  if (actor.role !== 'admin') {
    throw new AppError(ErrorCodes.forbidden, 'A coach adds clients for themselves; only an administrator can choose another coach.');
  }
  const unknownCoach = new AppError(ErrorCodes.validationFailed, 'The chosen coach is not a staff member of this business.', [
    { field: 'coachId', message: 'is not a staff member of this account' },
  ]);
  try {
    const staff = await context.deps.requests.request<StaffMemberView>(IdentitySubjects.getStaffMember, { correlationId, data: { userId: requested } });
    if (staff.accountId !== actor.accountId) throw unknownCoach;
    return staff.id;
  } catch (error) {
    if (error instanceof AppError && error.code === ErrorCodes.notFound) throw unknownCoach;
    throw error;
  }
}
