import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { Inbox } from './inbox';

describe('Inbox (real SQLite document store)', () => {
  let documents: SqliteDocumentStore;
  beforeEach(() => {
    documents = new SqliteDocumentStore({ filename: ':memory:' });
  });
  afterEach(() => documents.close());

  const effect = (n: number) => async () => [{ op: 'upsert' as const, collection: 'mails', doc: { id: `mail-${n}`, n } }];

  it('runs the effect of an event once, however often it is delivered', async () => {
    const inbox = new Inbox(documents, 'notifications--clients');
    expect(await inbox.handleOnce('event-1', effect(1))).toBe(true);
    expect(await inbox.handleOnce('event-1', effect(2))).toBe(false);
    expect(await documents.collection('mails').count()).toBe(1);
    expect(await inbox.seen('event-1')).toBe(true);
  });

  it('lets only one of two racing deliveries commit its effect', async () => {
    const inbox = new Inbox(documents, 'notifications--clients');
    const outcomes = await Promise.all([inbox.handleOnce('event-2', effect(1)), inbox.handleOnce('event-2', effect(2))]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await documents.collection('mails').count()).toBe(1);
  });

  it('keeps separate consumers apart', async () => {
    await new Inbox(documents, 'a--clients').handleOnce('event-3', effect(1));
    expect(await new Inbox(documents, 'b--clients').handleOnce('event-3', effect(2))).toBe(true);
  });

  it('records nothing when the effect fails, so a redelivery tries again', async () => {
    const inbox = new Inbox(documents, 'notifications--clients');
    await expect(inbox.handleOnce('event-4', async () => Promise.reject(new Error('smtp down')))).rejects.toThrow('smtp down');
    expect(await inbox.seen('event-4')).toBe(false);
    expect(await inbox.handleOnce('event-4', effect(4))).toBe(true);
  });
});
