import type { SessionLinkEvent } from '@clientele/clients/domain';
import { domainEvent, type EventProcessor } from '@clientele/platform/application';
import type { WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { SESSION_LINKS, SESSION_LINKS_STREAM_CATEGORY, SessionLinkDoc, sessionLinkId } from './session-links';

/**
 * `client_session_links`, from the clients' link streams: one document per coach and client, from
 * the event that linked them (the decider records one per pair). Guarded by the stream revision,
 * so applying an event again changes nothing.
 */
export class SessionLinksProjection implements EventProcessor {
  readonly name = 'clients_session_links';
  readonly filter = { streamCategories: [SESSION_LINKS_STREAM_CATEGORY], eventTypes: ['CoachLinkedBySession'] };

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = domainEvent<SessionLinkEvent>(recorded);
    if (event.type !== 'CoachLinkedBySession') return [];
    const { clientId, accountId, coachId, sessionId, linkedAt } = event.data;
    const doc: SessionLinkDoc = { id: sessionLinkId(clientId, coachId), accountId, clientId, coachId, firstSessionId: sessionId, linkedAt };
    return [{ op: 'upsert', collection: SESSION_LINKS, doc, version: recorded.revision }];
  }
}
