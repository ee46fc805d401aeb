import { Inbox } from '@clientele/platform/application';
import type { IntegrationEvent, RequestActor } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { SessionScheduledEventData } from '@clientele/scheduling/contracts';

/**
 * Coach–client session links: a coach sees a client they are assigned to *or have a session with*
 * (the seed's rule). Scheduling announces each booked session; we keep one link per coach and
 * client, written with the event's inbox row in one commit (a redelivery writes nothing twice).
 * Links are never removed: a cancelled session still was an existing session between them.
 */
export const SESSION_LINKS = 'client_session_links';
export const SESSION_LINKS_INBOX = 'clients--scheduling';

export interface SessionLinkDoc {
  id: string;
  accountId: string;
  clientId: string;
  coachId: string;
  firstSessionId: string;
  linkedAt: string;
  [key: string]: unknown;
}

export const sessionLinkId = (clientId: string, coachId: string) => `${clientId}:${coachId}`;

export class SessionLinks {
  private readonly inbox: Inbox;

  constructor(private readonly documents: DocumentStore) {
    this.inbox = new Inbox(documents, SESSION_LINKS_INBOX);
  }

  /** Handler of `clients--scheduling`. */
  async onSessionScheduled(event: IntegrationEvent): Promise<void> {
    const { sessionId, accountId, clientId, coachId } = event.data as unknown as SessionScheduledEventData;
    await this.inbox.handleOnce(event.id, async () => {
      const id = sessionLinkId(clientId, coachId);
      if (await this.documents.collection(SESSION_LINKS).get(id)) return [];
      const doc: SessionLinkDoc = { id, accountId, clientId, coachId, firstSessionId: sessionId, linkedAt: event.occurredAt };
      return [{ op: 'upsert', collection: SESSION_LINKS, doc }];
    });
  }

  /** Whether a coach (not the assigned one) has a session with the client. */
  async linked(actor: RequestActor, clientId: string): Promise<boolean> {
    if (actor.role !== 'coach') return false;
    const link = await this.documents.collection<SessionLinkDoc>(SESSION_LINKS).get(sessionLinkId(clientId, actor.id));
    return link !== null && link.accountId === actor.accountId;
  }

  /** The clients a coach has a session with. */
  async clientIdsOf(actor: RequestActor): Promise<string[]> {
    const links = await this.documents.collection<SessionLinkDoc>(SESSION_LINKS).find({ coachId: actor.id, accountId: actor.accountId });
    return links.map((l) => l.clientId);
  }
}
