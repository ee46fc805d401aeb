import { SessionLinkEvent } from '@clientele/clients/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { SESSION_LINKS, sessionLinksStream } from './session-links';
import { SessionLinksProjection } from './session-links.projection';

describe('SessionLinksProjection', () => {
  it('gives the same links when every event is applied twice', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const linked = (clientId: string, coachId: string, sessionId: string, linkedAt: string): SessionLinkEvent => ({
      type: 'CoachLinkedBySession',
      data: { clientId, accountId: 'a1', coachId, sessionId, linkedAt },
    });
    const append = (clientId: string, stream: SessionLinkEvent[]) =>
      events.appendToStream(
        sessionLinksStream(clientId),
        stream.map((event) => ({ id: randomUUID(), type: event.type, data: { ...event.data } })),
        { expectedRevision: 'any' },
      );
    await append('c1', [linked('c1', 'coachB', 's1', '2026-11-21T10:00:00.000Z')]);
    await append('c2', [linked('c2', 'coachB', 's2', '2026-11-21T11:00:00.000Z')]);
    await append('c1', [linked('c1', 'coachC', 's3', '2026-11-21T12:00:00.000Z')]);
    // Events of other streams are not the projection's (its filter), and change nothing if handed over.
    await events.appendToStream('client-c1', [{ id: randomUUID(), type: 'ClientNoteAdded', data: { clientId: 'c1', accountId: 'a1' } }], { expectedRevision: 'any' });

    const { once, twice } = await applyTwice(documents, new SessionLinksProjection(), await events.readAll(), [SESSION_LINKS]);
    expect(twice).toEqual(once);
    expect((once as Record<string, unknown[]>)[SESSION_LINKS]).toEqual([
      { id: 'c1:coachB', accountId: 'a1', clientId: 'c1', coachId: 'coachB', firstSessionId: 's1', linkedAt: '2026-11-21T10:00:00.000Z' },
      { id: 'c1:coachC', accountId: 'a1', clientId: 'c1', coachId: 'coachC', firstSessionId: 's3', linkedAt: '2026-11-21T12:00:00.000Z' },
      { id: 'c2:coachB', accountId: 'a1', clientId: 'c2', coachId: 'coachB', firstSessionId: 's2', linkedAt: '2026-11-21T11:00:00.000Z' },
    ]);
    await events.close();
    await documents.close();
  });
});
