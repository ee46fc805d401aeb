import { ProcessorRunner } from '@clientele/platform/application';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { SchedulingEvents, type SessionScheduledEventData } from '@clientele/scheduling/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_LINKS, SessionLinkDoc, SessionLinkRecorder, SessionLinks, SessionScheduled, sessionLinksStream } from './session-links';
import { SessionLinksProjection } from './session-links.projection';

describe('coach–client session links', () => {
  const dir = mkdtempSync(join(tmpdir(), 'session-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scheduled = (id: string, sessionId: string, coachId: string, clientId = 'c1', accountId = 'a1'): SessionScheduled => ({
    id,
    subject: SchedulingEvents.sessionScheduled,
    occurredAt: `2026-11-21T10:00:0${sessionId.slice(1)}.000Z`,
    data: { sessionId, accountId, clientId, coachId, start: '2026-11-23T09:00:00.000Z' },
    metadata: { accountId, correlationId: `corr-${id}`, actor: { id: 'admin1', role: 'admin' } },
  });

  async function open(name: string) {
    const events = new SqliteEventStore({ filename: join(dir, `${name}-events.sqlite`) });
    const documents = new SqliteDocumentStore({ filename: join(dir, `${name}-documents.sqlite`) });
    const runner = new ProcessorRunner(events, documents, new SessionLinksProjection(), { retryDelayMs: 50 });
    await runner.start();
    const recorder = new SessionLinkRecorder(events, documents, runner);
    const close = async () => {
      await runner.stop();
      await events.close();
      await documents.close();
    };
    return { events, documents, runner, recorder, links: new SessionLinks(documents), close };
  }

  it('records one link event per coach and client, whatever is redelivered, and shows it before acknowledging', async () => {
    const { events, documents, recorder, links, close } = await open('record');
    const coachB = { id: 'coachB', role: 'coach' as const, accountId: 'a1', capabilities: [] };

    await recorder.onSessionScheduled(scheduled('e1', 's1', 'coachB'));
    // Read-your-writes: the projection already shows the link when the consumer acknowledges.
    expect(await links.linked(coachB, 'c1')).toBe(true);
    await recorder.onSessionScheduled(scheduled('e1', 's1', 'coachB')); // redelivered
    await recorder.onSessionScheduled(scheduled('e2', 's2', 'coachB')); // a second session, same pair
    await recorder.onSessionScheduled(scheduled('e3', 's3', 'coachC', 'c2'));
    await recorder.onSessionScheduled(scheduled('e4', 's4', 'coachC')); // another coach of c1

    const recorded = await events.readAll();
    expect(recorded.map((e) => [e.streamName, e.type, e.data.coachId, e.data.sessionId])).toEqual([
      [sessionLinksStream('c1'), 'CoachLinkedBySession', 'coachB', 's1'],
      [sessionLinksStream('c2'), 'CoachLinkedBySession', 'coachC', 's3'],
      [sessionLinksStream('c1'), 'CoachLinkedBySession', 'coachC', 's4'],
    ]);
    expect(recorded[0].metadata).toMatchObject({ correlationId: 'corr-e1', causationId: 'e1', actor: { id: 'admin1', role: 'admin' }, accountId: 'a1' });

    const stored = await documents.collection<SessionLinkDoc>(SESSION_LINKS).find({}, { sort: [['id', 1]] });
    expect(stored).toEqual([
      { id: 'c1:coachB', accountId: 'a1', clientId: 'c1', coachId: 'coachB', firstSessionId: 's1', linkedAt: '2026-11-21T10:00:01.000Z' },
      { id: 'c1:coachC', accountId: 'a1', clientId: 'c1', coachId: 'coachC', firstSessionId: 's4', linkedAt: '2026-11-21T10:00:04.000Z' },
      { id: 'c2:coachC', accountId: 'a1', clientId: 'c2', coachId: 'coachC', firstSessionId: 's3', linkedAt: '2026-11-21T10:00:03.000Z' },
    ]);
    expect(await links.linked(coachB, 'c2')).toBe(false);
    expect(await links.clientIdsOf(coachB)).toEqual(['c1']);
    expect((await links.clientIdsOf({ ...coachB, id: 'coachC' })).sort()).toEqual(['c1', 'c2']);
    // Only coaches are linked; the same ids in another account give nothing.
    expect(await links.linked({ ...coachB, role: 'admin' }, 'c1')).toBe(false);
    expect(await links.linked({ ...coachB, accountId: 'a2' }, 'c1')).toBe(false);
    expect(await links.clientIdsOf({ ...coachB, accountId: 'a2' })).toEqual([]);
    await close();
  });

  it('links a pair once when two of their sessions arrive at the same time', async () => {
    const { events, documents, recorder, close } = await open('race');
    await Promise.all([1, 2, 3, 4, 5].map((n) => recorder.onSessionScheduled(scheduled(`e${n}`, `s${n}`, n % 2 ? 'coachB' : 'coachC'))));
    const recorded = await events.readStream(sessionLinksStream('c1'));
    expect(recorded.map((e) => e.data.coachId).sort()).toEqual(['coachB', 'coachC']);
    expect(await documents.collection(SESSION_LINKS).count()).toBe(2);
    await close();
  });

  it('refuses a session-scheduled event without the ids it needs (it goes to the dead letters)', async () => {
    const { events, recorder, close } = await open('invalid');
    const event = scheduled('e1', 's1', 'coachB');
    await expect(recorder.onSessionScheduled({ ...event, data: { ...event.data, clientId: undefined } as unknown as SessionScheduledEventData })).rejects.toThrow(/lacks/);
    expect(await events.readAll()).toEqual([]);
    await close();
  });

  it('records, once, the links kept before they were events, so a replay of the events keeps them', async () => {
    const { events, documents, runner, recorder, close } = await open('adopt');
    const legacy: SessionLinkDoc = { id: 'c9:coachB', accountId: 'a1', clientId: 'c9', coachId: 'coachB', firstSessionId: 's0', linkedAt: '2026-10-01T08:00:00.000Z' };
    await documents.commit([{ op: 'upsert', collection: SESSION_LINKS, doc: legacy }]);
    await recorder.onSessionScheduled(scheduled('e1', 's1', 'coachB')); // one already recorded as an event

    expect(await recorder.recordLinksKeptBeforeEvents()).toBe(1);
    expect(await recorder.recordLinksKeptBeforeEvents()).toBe(0);
    const adopted = await events.readStream(sessionLinksStream('c9'));
    expect(adopted.map((e) => [e.type, e.data])).toEqual([['CoachLinkedBySession', { clientId: 'c9', accountId: 'a1', coachId: 'coachB', sessionId: 's0', linkedAt: legacy.linkedAt }]]);
    expect((await events.readAll()).filter((e) => e.streamName === sessionLinksStream('c1'))).toHaveLength(1);

    // From the events alone (the read model and the checkpoint gone), the projection gives the same links.
    const before = await documents.collection(SESSION_LINKS).find({}, { sort: [['id', 1]] });
    await runner.stop();
    await documents.dropCollection(SESSION_LINKS);
    await documents.commit([{ op: 'checkpoint', processor: 'clients_session_links', position: null }]);
    const fresh = new ProcessorRunner(events, documents, new SessionLinksProjection());
    await fresh.start();
    await fresh.waitFor((await events.headPosition())!);
    expect(await documents.collection(SESSION_LINKS).find({}, { sort: [['id', 1]] })).toEqual(before);
    expect(before.map((l) => l.id)).toEqual(['c1:coachB', 'c9:coachB']);
    await fresh.stop();
    await close();
  });
});
