import { ClientsSubjects, OwnProfile } from '@clientele/clients/contracts';
import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import type { RequestActor, RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';

/** The client's own profile: they read it, and edit their name and phone (recorded with the client as actor). */
@Controller()
export class OwnProfileMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.getOwnProfile)
  async get(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<OwnProfile> {
    return this.read(requireClient(envelope.actor).id);
  }

  @MessagePattern(ClientsSubjects.changeOwnProfile)
  async change(@Payload() envelope: RequestEnvelope<{ firstName?: string; lastName?: string; phone?: string | null }>): Promise<OwnProfile> {
    const client = requireClient(envelope.actor);
    const { firstName, lastName, phone } = envelope.data;
    await handleAndWait(
      this.context.changeClient(
        client.id,
        null,
        { type: 'ChangeContact', changes: { firstName, lastName, phone }, actorId: client.id, now: new Date().toISOString() },
        randomUUID(),
        commandMetadata(envelope, client),
        // A new command id each call: the cached client state is safe (no re-read of a long stream).
        { fresh: true },
      ),
      this.context.views,
    );
    return this.read(client.id);
  }

  private async read(clientId: string): Promise<OwnProfile> {
    const state = await this.context.loadClient(clientId);
    if (!state.exists || state.deleted) throw notFound();
    return { id: state.clientId, ...state.contact, type: state.type };
  }
}

function requireClient(actor: RequestActor | undefined): RequestActor {
  if (!actor || actor.role !== 'client') throw new AppError(ErrorCodes.forbidden, 'This is the client app’s own profile.');
  return actor;
}
