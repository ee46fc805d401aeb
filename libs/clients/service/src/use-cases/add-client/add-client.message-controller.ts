import { AddClientRequest, ClientProfile, ClientsSubjects } from '@clientele/clients/contracts';
import { ClientAddedData, clientDecider, initialAppAccess, rosterDecider, validateNewClient } from '@clientele/clients/domain';
import { IdentitySubjects, StaffMemberView } from '@clientele/identity/contracts';
import { deterministicId, handleCommand } from '@clientele/platform/application';
import { requireCapability, requireStaff, type RequestActor, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { CLIENTS_DEPS, CLIENTS_PROCESSORS, ClientsDeps, ClientsProcessors } from '../../clients.deps';
import { CLIENTS, ClientDoc, toProfile } from '../../read-models/client-doc';
import { SeatLimits } from '../../roster/seat-limits';
import { clientStream, emailKey, rosterStream } from '../../streams';

export const SEAT_LIMITS = Symbol('SeatLimits');

/**
 * Adding a client: enrol it in the account's roster (the commit point, where e-mail uniqueness
 * and seats are decided under optimistic concurrency), then start its own stream with
 * ClientAdded, then wait until the list shows it.
 */
@Controller()
export class AddClientMessageController {
  constructor(
    @Inject(CLIENTS_DEPS) private readonly deps: ClientsDeps,
    @Inject(CLIENTS_PROCESSORS) private readonly processors: ClientsProcessors,
    @Inject(SEAT_LIMITS) private readonly seatLimits: SeatLimits,
  ) {}

  @MessagePattern(ClientsSubjects.addClient)
  async addClient(@Payload() envelope: RequestEnvelope<AddClientRequest>): Promise<ClientProfile> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'create_clients');
    const input = validateNewClient(envelope.data);
    const coachId = await this.resolveCoach(actor, envelope.data.coachId, envelope.correlationId);

    const clientId = envelope.idempotencyKey ? deterministicId('client', actor.accountId, envelope.idempotencyKey) : randomUUID();
    const now = new Date().toISOString();
    const client: ClientAddedData = {
      clientId,
      accountId: actor.accountId,
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      phone: input.phone,
      type: input.type,
      coachId,
      source: { kind: 'manual' },
      sendInvitation: input.sendInvitation,
      appAccess: initialAppAccess(input.type, input.sendInvitation),
      addedAt: now,
      addedBy: actor.id,
    };
    const metadata = { correlationId: envelope.correlationId, actor: { id: actor.id, role: actor.role }, accountId: actor.accountId };

    await this.seatLimits.ensureKnown(actor.accountId, envelope.correlationId);
    await handleCommand(
      this.deps.events,
      rosterStream(actor.accountId),
      rosterDecider,
      { type: 'EnrollClient', emailKey: emailKey(input.email), client },
      { commandId: `enroll:${clientId}`, metadata },
      // Every add of an account goes through its roster: under a burst, writers retry on it.
      { maxRetries: 100 },
    );
    const added = await handleCommand(
      this.deps.events,
      clientStream(clientId),
      clientDecider,
      { type: 'AddClient', client },
      { commandId: `add-client:${clientId}`, metadata },
    );
    if (added.position !== null) await this.processors.views.waitFor(added.position);
    const doc = await this.deps.documents.collection<ClientDoc>(CLIENTS).get(clientId);
    if (!doc) throw new Error(`client ${clientId} missing from the read model after it was added`);
    return toProfile(doc);
  }

  /** A coach's clients are their own; an admin may give the client to any staff member of the account. */
  private async resolveCoach(actor: RequestActor, requested: string | undefined, correlationId?: string): Promise<string> {
    if (requested === undefined || requested === actor.id) return actor.id;
    if (actor.role !== 'admin') {
      throw new AppError(ErrorCodes.forbidden, 'A coach adds clients for themselves; only an administrator can choose another coach.');
    }
    const unknownCoach = new AppError(ErrorCodes.validationFailed, 'The chosen coach is not a staff member of this business.', [
      { field: 'coachId', message: 'is not a staff member of this account' },
    ]);
    try {
      const staff = await this.deps.requests.request<StaffMemberView>(IdentitySubjects.getStaffMember, { correlationId, data: { userId: requested } });
      if (staff.accountId !== actor.accountId) throw unknownCoach;
      return staff.id;
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.notFound) throw unknownCoach;
      throw error;
    }
  }
}
