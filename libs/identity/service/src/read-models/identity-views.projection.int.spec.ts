import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { ACCOUNTS, IdentityViewsProjection, LOGINS, STAFF } from './identity-views.projection';

describe('IdentityViewsProjection', () => {
  it('gives the same accounts, staff and logins when every event is applied twice', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const at = '2026-11-21T10:00:00.000Z';
    await events.appendToStream(
      'account-a1',
      [
        { id: randomUUID(), type: 'AccountOpened', data: { accountId: 'a1', businessName: 'Fit Co', seatLimit: 3, ownerId: 'u1', openedAt: at } },
        { id: randomUUID(), type: 'AccountSeatLimitChanged', data: { accountId: 'a1', seatLimit: 5, previousSeatLimit: 3, changedAt: at } },
      ],
      { expectedRevision: 'no_stream' },
    );
    await events.appendToStream(
      'staff-u1',
      [
        {
          id: randomUUID(),
          type: 'StaffMemberRegistered',
          data: {
            userId: 'u1',
            accountId: 'a1',
            firstName: 'Maya',
            lastName: 'Stone',
            email: 'Maya@Fit.co',
            role: 'admin',
            capabilities: ['create_clients'],
            passwordHash: 'scrypt$x',
            registeredAt: at,
            registeredBy: null,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const { once, twice } = await applyTwice(documents, new IdentityViewsProjection(), await events.readAll(), [ACCOUNTS, STAFF, LOGINS]);
    expect(twice).toEqual(once);
    const views = once as Record<string, Array<Record<string, unknown>>>;
    expect(views[ACCOUNTS]).toEqual([expect.objectContaining({ id: 'a1', seatLimit: 5, version: 1 })]);
    expect(views[LOGINS]).toEqual([expect.objectContaining({ id: 'maya@fit.co', userId: 'u1', role: 'admin' })]);
    expect(views[STAFF]).toEqual([expect.objectContaining({ id: 'u1', lastNameKey: 'stone' })]);
    await events.close();
    await documents.close();
  });
});
