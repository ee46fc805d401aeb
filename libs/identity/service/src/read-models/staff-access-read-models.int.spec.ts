import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { ClientLoginCodec } from '../client-access/client-login-codec';
import { loginKeyOf } from '../streams';
import { ACCOUNTS, IdentityViewsProjection, LOGINS, STAFF } from './identity-views.projection';
import { SignInsProjection } from './sign-ins.projection';

const at = '2026-12-05T10:00:00.000Z';

/** A renamed business, and a coach made admin, sent a reset link, who then chose a new password with it. */
async function history() {
  const events = new SqliteEventStore({ filename: ':memory:' });
  const documents = new SqliteDocumentStore({ filename: ':memory:' });
  const append = (stream: string, list: Array<{ type: string; data: object }>) =>
    events.appendToStream(stream, list.map((event) => ({ id: randomUUID(), type: event.type, data: { ...event.data } })), { expectedRevision: 'any' } as never);
  await append('account-a1', [
    { type: 'AccountOpened', data: { accountId: 'a1', businessName: 'Fit Co', seatLimit: 3, ownerId: 'u1', openedAt: at } },
    { type: 'AccountRenamed', data: { accountId: 'a1', businessName: 'Fit & Co', previousBusinessName: 'Fit Co', renamedAt: at } },
    { type: 'AccountSeatLimitChanged', data: { accountId: 'a1', seatLimit: 12, previousSeatLimit: 3, changedAt: at } },
  ]);
  await append('staff-u2', [
    {
      type: 'StaffMemberRegistered',
      data: { userId: 'u2', accountId: 'a1', firstName: 'Cora', lastName: 'Coach', email: 'cora@fit.co', role: 'coach', capabilities: ['create_clients'], passwordHash: 'h-old', registeredAt: at, registeredBy: 'u1' },
    },
    {
      type: 'StaffMemberAccessChanged',
      data: {
        userId: 'u2',
        accountId: 'a1',
        role: 'coach',
        capabilities: ['create_clients', 'import_clients'],
        previousRole: 'coach',
        previousCapabilities: ['create_clients'],
        changedBy: 'u1',
        changedAt: at,
      },
    },
    { type: 'StaffPasswordResetIssued', data: { userId: 'u2', accountId: 'a1', tokenId: 't1', expiresAt: at, issuedAt: at, requestedBy: 'u1' } },
    { type: 'StaffPasswordChanged', data: { userId: 'u2', accountId: 'a1', passwordHash: 'h-new', changedAt: at, tokenId: 't1' } },
  ]);
  const codec = new ClientLoginCodec(new PersonalDataCipher(new KeyStore(documents)));
  return { events, documents, codec, all: await events.readAll() };
}

const of = (processor: { filter: { streamCategories: string[] } }, all: Awaited<ReturnType<typeof history>>['all']) =>
  all.filter((event) => processor.filter.streamCategories.includes(event.streamName.split('-')[0]));

describe('identity read models: renamed business, changed staff access, reset links (issue 21)', () => {
  it('accounts and staff are the same when every event is applied twice; the new name, role and capabilities show, each change ends an epoch', async () => {
    const { events, documents, all } = await history();
    const projection = new IdentityViewsProjection(documents);
    const { once, twice } = await applyTwice(documents, projection, of(projection, all), [ACCOUNTS, STAFF]);
    expect(twice).toEqual(once);
    const views = once as Record<string, Array<Record<string, unknown>>>;
    expect(views[ACCOUNTS]).toEqual([expect.objectContaining({ id: 'a1', businessName: 'Fit & Co', seatLimit: 12 })]);
    // One epoch for the access change, one for the new password.
    expect(views[STAFF]).toEqual([expect.objectContaining({ id: 'u2', role: 'coach', capabilities: ['create_clients', 'import_clients'], epoch: 2 })]);
    await events.close();
    await documents.close();
  });

  it('the sign-in index is the same when every event is applied twice, and signs in with the new capabilities and password', async () => {
    const { events, documents, codec, all } = await history();
    const projection = new SignInsProjection(documents, codec);
    const { once, twice } = await applyTwice(documents, projection, of(projection, all), [LOGINS]);
    expect(twice).toEqual(once);
    expect((once as Record<string, Array<Record<string, unknown>>>)[LOGINS]).toEqual([
      expect.objectContaining({ id: loginKeyOf('cora@fit.co'), userId: 'u2', role: 'coach', capabilities: ['create_clients', 'import_clients'], passwordHash: 'h-new' }),
    ]);
    await events.close();
    await documents.close();
  });
});
