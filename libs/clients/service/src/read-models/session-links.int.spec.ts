import type { IntegrationEvent } from '@clientele/platform/bus';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SchedulingEvents } from '@clientele/scheduling/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_LINKS, SessionLinks } from './session-links';

describe('coach–client session links', () => {
  const dir = mkdtempSync(join(tmpdir(), 'session-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scheduled = (id: string, sessionId: string, coachId: string, clientId = 'c1', accountId = 'a1'): IntegrationEvent => ({
    id,
    subject: SchedulingEvents.sessionScheduled,
    occurredAt: '2026-11-21T10:00:00.000Z',
    data: { sessionId, accountId, clientId, coachId, start: '2026-11-23T09:00:00.000Z' },
    metadata: { accountId },
  });

  it('keeps one link per coach and client, whatever is redelivered, and scopes it to the account', async () => {
    const documents = new SqliteDocumentStore({ filename: join(dir, 'documents.sqlite') });
    const links = new SessionLinks(documents);
    await links.onSessionScheduled(scheduled('e1', 's1', 'coachB'));
    await links.onSessionScheduled(scheduled('e1', 's1', 'coachB')); // redelivered
    await links.onSessionScheduled(scheduled('e2', 's2', 'coachB')); // a second session, same pair
    await links.onSessionScheduled(scheduled('e3', 's3', 'coachC', 'c2'));
    const stored = await documents.collection(SESSION_LINKS).find({}, { sort: [['id', 1]] });
    expect(stored.map((l) => [l.id, l.firstSessionId])).toEqual([
      ['c1:coachB', 's1'],
      ['c2:coachC', 's3'],
    ]);
    const coachB = { id: 'coachB', role: 'coach' as const, accountId: 'a1', capabilities: [] };
    expect(await links.linked(coachB, 'c1')).toBe(true);
    expect(await links.linked(coachB, 'c2')).toBe(false);
    expect(await links.clientIdsOf(coachB)).toEqual(['c1']);
    // The same ids in another account give nothing.
    expect(await links.linked({ ...coachB, accountId: 'a2' }, 'c1')).toBe(false);
    expect(await links.clientIdsOf({ ...coachB, accountId: 'a2' })).toEqual([]);
    await documents.close();
  });
});
