import { ThreadEvent } from '@clientele/messaging/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { ThreadCodec } from '../thread-codec';
import { MESSAGES, MessagesProjection } from './messages.projection';

describe('MessagesProjection', () => {
  it('gives the same threads when every event is applied twice; a closed thread leaves no message', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const codec = new ThreadCodec(new PersonalDataCipher(new KeyStore(documents)));
    const at = '2026-11-21T10:00:00.000Z';
    const sent = (clientId: string, messageId: string, from: 'coach' | 'client'): ThreadEvent => ({
      type: 'MessageSent',
      data: { messageId, clientId, accountId: 'a1', from, senderId: 'u', body: `body ${messageId}`, sentAt: at },
    });
    const threads: Record<string, ThreadEvent[]> = {
      c1: [sent('c1', 'm1', 'coach'), sent('c1', 'm2', 'client')],
      c2: [sent('c2', 'm3', 'coach'), { type: 'ThreadClosed', data: { clientId: 'c2', accountId: 'a1', closedAt: at } }],
    };
    for (const [id, thread] of Object.entries(threads)) {
      await events.appendToStream(`thread-${id}`, await Promise.all(thread.map(async (e) => ({ id: randomUUID(), type: e.type, data: await codec.encode(e) }))), {
        expectedRevision: 'no_stream',
      });
    }
    const { once, twice } = await applyTwice(documents, new MessagesProjection(documents, codec), await events.readAll(), [MESSAGES]);
    expect(twice).toEqual(once);
    expect((once as Record<string, Array<{ id: string; body: string }>>)[MESSAGES].map((m) => [m.id, m.body])).toEqual([
      ['m1', 'body m1'],
      ['m2', 'body m2'],
    ]);
    await events.close();
    await documents.close();
  });
});
