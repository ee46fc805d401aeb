import { ClientsSubjects, OwnProfile } from '@clientele/clients/contracts';
import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { readOwnProfile, requireClient } from '../../queries/get-own-profile/own-profile';

/** The client edits their own name and phone (recorded with the client as actor). */
@Controller()
export class ChangeOwnProfileMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.changeOwnProfile)
  async change(@Payload() envelope: RequestEnvelope<{ firstName?: string; lastName?: string; phone?: string | null }>): Promise<OwnProfile> {
    const client = requireClient(envelope.actor);
    const { firstName, lastName, phone } = envelope.data;
    await handleAndWait(
      this.context.changeClient(
        client.id,
        null,
        { type: 'ChangeContact', changes: { firstName, lastName, phone }, metadata: { actorId: client.id, now: new Date().toISOString() } },
        randomUUID(),
        commandMetadata(envelope, client),
        // A new command id each call: the cached client state is safe (no re-read of a long stream).
        { fresh: true },
      ),
      this.context.views,
    );
    return readOwnProfile(this.context, client.id);
  }
}
