import { CoachLinkedBySessionData, SessionLinkEvent, SessionLinkState, sessionLinkDecider } from '@clientele/clients/domain';
import { CommandResult, handleAndWait, handleCommand, reactionMetadata, type ProcessorRunner } from '@clientele/platform/application';
import type { IntegrationEventOf, RequestActor } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventMetadata, EventStore } from '@clientele/platform/event-store';
import type { SchedulingEvents, SchedulingIntegrationEvents } from '@clientele/scheduling/contracts';

/**
 * Coach–client session links: a coach sees a client they are assigned to *or have a session with*
 * (the seed's rule). Scheduling announces each booked session; the first one of a coach and client
 * records `CoachLinkedBySession` on the client's `sessionlinks-<clientId>` stream, and the
 * `clients_session_links` projection (ops set `clients`) keeps one link document per pair.
 * Links are never removed: a cancelled session still was an existing session between them.
 */
export const SESSION_LINKS = 'client_session_links';
export const SESSION_LINKS_STREAM_CATEGORY = 'sessionlinks';
/** Not `client-`: the outbox publishes only the client streams, so a link is never announced again. */
export const sessionLinksStream = (clientId: string) => `${SESSION_LINKS_STREAM_CATEGORY}-${clientId}`;

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

export type SessionScheduled = IntegrationEventOf<SchedulingIntegrationEvents, typeof SchedulingEvents.sessionScheduled>;

/** The reads: who a coach may see because of a session. */
export class SessionLinks {
  constructor(private readonly documents: DocumentStore) {}

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

/** Where the one-time adoption of links written before they were events is marked done. */
const UPGRADES = 'clients_upgrades';
const LINKS_ADOPTED = 'session-links-recorded-as-events';

/**
 * The writes: handler of the durable consumer `clients--scheduling`. Each booked session becomes a
 * command on the client's link stream; the decider links a pair once and the event ids derive from
 * the integration event's id, so a redelivery or a second session of the pair appends nothing.
 * It acknowledges only once the projection shows the link (read-your-writes: the coach sees the
 * client right after booking).
 */
export class SessionLinkRecorder {
  constructor(
    private readonly events: EventStore,
    private readonly documents: DocumentStore,
    private readonly projection: ProcessorRunner,
  ) {}

  async onSessionScheduled(event: SessionScheduled): Promise<void> {
    const { sessionId, accountId, clientId, coachId } = event.data;
    if (!sessionId || !accountId || !clientId || !coachId) throw new Error(`${event.subject} ${event.id} lacks a session, account, client or coach id`);
    await handleAndWait(
      this.link(
        { clientId, accountId, coachId, sessionId, linkedAt: event.occurredAt },
        event.id,
        reactionMetadata(event, { actor: event.metadata.actor ?? { id: 'scheduling', role: 'system' }, accountId }),
      ),
      this.projection,
    );
  }

  /**
   * Links kept before they were recorded as events exist only in the read model: each becomes a
   * `CoachLinkedBySession` (with its first session and time), once, so that a rebuild keeps them.
   * Safe to run from several replicas at once (the decider links a pair once).
   */
  async recordLinksKeptBeforeEvents(): Promise<number> {
    if (await this.documents.collection(UPGRADES).get(LINKS_ADOPTED)) return 0;
    let recorded = 0;
    for (const doc of await this.documents.collection<SessionLinkDoc>(SESSION_LINKS).find()) {
      const { clientId, accountId, coachId, firstSessionId, linkedAt } = doc;
      const result = await this.link({ clientId, accountId, coachId, sessionId: firstSessionId, linkedAt }, `adopt:${doc.id}`, {
        actor: { id: 'clients', role: 'system' },
        accountId,
      });
      recorded += result.events.length;
    }
    await this.documents.commit([{ op: 'upsert', collection: UPGRADES, doc: { id: LINKS_ADOPTED, recorded, at: new Date().toISOString() } }]);
    return recorded;
  }

  private link(data: CoachLinkedBySessionData, commandId: string, metadata: EventMetadata): Promise<CommandResult<SessionLinkState, SessionLinkEvent>> {
    return handleCommand(this.events, sessionLinksStream(data.clientId), sessionLinkDecider, { type: 'LinkCoachBySession', ...data }, { commandId, metadata }, { maxRetries: 10 });
  }
}
