import { AddNoteRequest, ClientsSubjects, Note } from '@clientele/clients/contracts';
import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';

/** Coach notes, listed on the profile's Overview. Their bodies are personal data: sealed in the events. */
@Controller()
export class AddNoteMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.addNote)
  async addNote(@Payload() envelope: RequestEnvelope<AddNoteRequest>): Promise<Note> {
    const actor = requireStaff(envelope.actor);
    const noteId = randomUUID();
    const now = new Date().toISOString();
    await handleAndWait(
      this.context.changeClient(
        envelope.data.clientId,
        actor,
        { type: 'AddNote', noteId, body: envelope.data.body, metadata: { actorId: actor.id, now } },
        `note:${noteId}`,
        commandMetadata(envelope, actor),
        // A new note id each call: the cached client state is safe, and notes on one client take turns instead of conflicting.
        { fresh: true },
      ),
      this.context.views,
    );
    return { id: noteId, body: envelope.data.body, authorId: actor.id, createdAt: now };
  }
}
