import { ClientsSubjects, ListNotesRequest, Note } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes, type Page } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { canRead } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';
import { CLIENTS, ClientDoc } from '../../read-models/client-doc';
import { CLIENT_NOTES, NoteDoc } from '../../read-models/clients.projection';

/** api.md, Lists: pageSize 1..100. */
const MAX_PAGE_SIZE = 100;

/**
 * A client's coach notes, newest first, a page at a time: who may read the profile may read its
 * notes; anyone else finds no client (existence is not leaked).
 */
@Controller()
export class ListNotesMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.listNotes)
  async listNotes(@Payload() envelope: RequestEnvelope<ListNotesRequest>): Promise<Page<Note>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, page, pageSize } = envelope.data;
    // The gateway validates these; a caller on the bus gets the same refusal rather than a huge read.
    if (!Number.isSafeInteger(page) || page < 1 || !Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new AppError(ErrorCodes.validationFailed, `Ask for a page of 1 or more, of 1 to ${MAX_PAGE_SIZE} notes.`, [
        { field: 'page', message: 'must be a whole number of 1 or more' },
        { field: 'pageSize', message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` },
      ]);
    }
    const client = await this.context.deps.documents.collection<ClientDoc>(CLIENTS).get(clientId);
    if (!client || !(await canRead(actor, client, this.context.sessionLinks))) throw notFound();
    const skip = (page - 1) * pageSize;

    if (client.notesTotal === undefined) {
      // A profile written before notes had their own collection: its notes are all inline, oldest first.
      const newestFirst = [...client.notes].reverse();
      return { items: newestFirst.slice(skip, skip + pageSize), page, pageSize, total: newestFirst.length };
    }
    const notes = this.context.deps.documents.collection<NoteDoc>(CLIENT_NOTES);
    const { items, total } = await notes.findPage({ clientId }, { sort: [['revision', -1]], skip, limit: pageSize });
    return { items: items.map((d) => ({ id: d.id, body: d.body, authorId: d.authorId, createdAt: d.createdAt })), page, pageSize, total };
  }
}
