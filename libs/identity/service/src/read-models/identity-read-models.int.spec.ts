import type { ClientLoginEvent, StaffMemberEvent } from '@clientele/identity/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { ClientLoginCodec } from '../client-access/client-login-codec';
import { CLIENT_LOGINS, ClientLoginsProjection } from './client-logins.projection';
import { ACCOUNTS, IdentityViewsProjection, LOGINS, STAFF } from './identity-views.projection';
import { loginKeyOf } from '../streams';
import { SignInsProjection } from './sign-ins.projection';

const at = '2026-11-21T10:00:00.000Z';
const ids = (clientId: string) => ({ clientId, accountId: 'a1' });
const staff = (userId: string, email: string): StaffMemberEvent => ({
  type: 'StaffMemberRegistered',
  data: { userId, accountId: 'a1', firstName: 'S', lastName: userId, email, role: 'coach', capabilities: ['create_clients'], passwordHash: `h-${userId}`, registeredAt: at, registeredBy: 'u1' },
});

/**
 * The identity read models from one history that has everything: staff who sign out, change their
 * password and are removed; clients who accept, reset, move to a new address, and are deleted (key
 * shredded, so their addresses read as erased); an address given up by one login and taken by another.
 */
async function history() {
  const events = new SqliteEventStore({ filename: ':memory:' });
  const documents = new SqliteDocumentStore({ filename: ':memory:' });
  const cipher = new PersonalDataCipher(new KeyStore(documents));
  const codec = new ClientLoginCodec(cipher);
  const append = async (stream: string, list: Array<{ type: string; data: object }>, encode = false) => {
    const data = await Promise.all(list.map(async (event) => ({ id: randomUUID(), type: event.type, data: encode ? await codec.encode(event as ClientLoginEvent) : { ...event.data } })));
    await events.appendToStream(stream, data, { expectedRevision: 'any' } as never);
  };
  await append('account-a1', [{ type: 'AccountOpened', data: { accountId: 'a1', businessName: 'Fit Co', seatLimit: 3, ownerId: 'u1', openedAt: at } }]);
  await append('staff-u1', [staff('u1', 'Maya@Fit.co')]);
  await append('staff-u2', [
    staff('u2', 'cora@fit.co'),
    { type: 'StaffMemberSignedOut', data: { userId: 'u2', accountId: 'a1', signedOutAt: at } },
    { type: 'StaffPasswordChanged', data: { userId: 'u2', accountId: 'a1', passwordHash: 'h-u2-new', changedAt: at } },
    { type: 'StaffMemberRemoved', data: { userId: 'u2', accountId: 'a1', email: 'cora@fit.co', removedBy: 'u1', removedAt: at } },
  ]);
  const c1: ClientLoginEvent[] = [
    { type: 'ClientInvitationIssued', data: { ...ids('c1'), tokenId: 't1', email: 'Ada@Example.com', expiresAt: at, issuedAt: at, reason: 'added' } },
    { type: 'ClientInvitationAccepted', data: { ...ids('c1'), tokenId: 't1', email: 'Ada@Example.com', firstName: 'Ada', lastName: 'L', passwordHash: 'h1', acceptedAt: at } },
    { type: 'ClientAccessRevoked', data: { ...ids('c1'), reason: 'offline', revokedAt: at } },
    { type: 'ClientAccessRestored', data: { ...ids('c1'), restoredAt: at } },
    { type: 'ClientPasswordResetIssued', data: { ...ids('c1'), tokenId: 'r1', expiresAt: at, issuedAt: at } },
    { type: 'ClientPasswordChanged', data: { ...ids('c1'), tokenId: 'r1', passwordHash: 'h2', changedAt: at } },
    { type: 'ClientEmailChangeRequested', data: { ...ids('c1'), tokenId: 'e1', email: 'ada@new.example', previousEmail: 'Ada@Example.com', expiresAt: at, requestedAt: at } },
    { type: 'ClientEmailChangeNoticeSent', data: { ...ids('c1'), email: 'Ada@Example.com', sentAt: at } },
    { type: 'ClientSignInEmailChanged', data: { ...ids('c1'), tokenId: 'e1', email: 'ada@new.example', previousEmail: 'Ada@Example.com', changedAt: at } },
    { type: 'ClientSignedOut', data: { ...ids('c1'), signedOutAt: at } },
  ];
  await append('clientlogin-c1', c1, true);
  // A client who signed in, was deleted (their key shredded), and whose address a coach then took.
  await append(
    'clientlogin-c2',
    [
      { type: 'ClientInvitationIssued', data: { ...ids('c2'), tokenId: 't2', email: 'bo@example.com', expiresAt: at, issuedAt: at, reason: 'added' } },
      { type: 'ClientInvitationAccepted', data: { ...ids('c2'), tokenId: 't2', email: 'bo@example.com', firstName: 'Bo', lastName: 'B', passwordHash: 'h', acceptedAt: at } },
      { type: 'ClientAccessRevoked', data: { ...ids('c2'), reason: 'deleted', revokedAt: at } },
      { type: 'ClientLoginRemoved', data: { ...ids('c2'), removedAt: at } },
    ],
    true,
  );
  await cipher.shred('c2');
  await append('staff-u3', [staff('u3', 'Bo@example.com')]);
  // The old address of c1, free again, taken by a new client.
  await append(
    'clientlogin-c3',
    [
      { type: 'ClientInvitationIssued', data: { ...ids('c3'), tokenId: 't3', email: 'ada@example.com', expiresAt: at, issuedAt: at, reason: 'added' } },
      { type: 'ClientInvitationAccepted', data: { ...ids('c3'), tokenId: 't3', email: 'ada@example.com', firstName: 'Other', lastName: 'Ada', passwordHash: 'h3', acceptedAt: at } },
    ],
    true,
  );
  return { events, documents, codec, all: await events.readAll() };
}

/** What the runner hands a processor: the events of its stream categories. */
const of = (processor: { filter: { streamCategories: string[] } }, all: Awaited<ReturnType<typeof history>>['all']) =>
  all.filter((event) => processor.filter.streamCategories.includes(event.streamName.split('-')[0]));

describe('identity read models', () => {
  it('the sign-in index is the same when every event is applied twice, and never loses or overwrites another login', async () => {
    const { events, documents, codec, all } = await history();
    const projection = new SignInsProjection(documents, codec);
    const { once, twice } = await applyTwice(documents, projection, of(projection, all), [LOGINS]);
    expect(twice).toEqual(once);
    const logins = (once as Record<string, Array<Record<string, unknown>>>)[LOGINS];
    const byAddress = Object.fromEntries(logins.map((login) => [login.email, [login.id, login.userId, login.passwordHash]]));
    expect(byAddress).toEqual({
      'ada@example.com': [loginKeyOf('ada@example.com'), 'c3', 'h3'],
      'ada@new.example': [loginKeyOf('ada@new.example'), 'c1', 'h2'],
      'Bo@example.com': [loginKeyOf('bo@example.com'), 'u3', 'h-u3'],
      'Maya@Fit.co': [loginKeyOf('maya@fit.co'), 'u1', 'h-u1'],
    });
    // No address is an id, not even of what a deletion leaves behind.
    expect(logins.every((login) => /^[0-9a-f]{64}$/.test(login.id as string))).toBe(true);
    await events.close();
    await documents.close();
  });

  it('client logins are the same when every event is applied twice; a deleted client with a login rebuilds without error', async () => {
    const { events, documents, codec, all } = await history();
    const projection = new ClientLoginsProjection(documents, codec);
    const { once, twice } = await applyTwice(documents, projection, of(projection, all), [CLIENT_LOGINS]);
    expect(twice).toEqual(once);
    const views = once as Record<string, Array<Record<string, unknown>>>;
    expect(views[CLIENT_LOGINS]).toEqual([
      expect.objectContaining({ id: 'c1', access: 'active', epoch: 3, loginKey: loginKeyOf('ada@new.example') }),
      expect.objectContaining({ id: 'c3', access: 'active', epoch: 0, loginKey: loginKeyOf('ada@example.com') }),
    ]);
    await events.close();
    await documents.close();
  });

  it('accounts and staff are the same when every event is applied twice; a removed member is gone, epochs count sign-outs and password changes', async () => {
    const { events, documents, all } = await history();
    const projection = new IdentityViewsProjection(documents);
    const { once, twice } = await applyTwice(documents, projection, of(projection, all), [ACCOUNTS, STAFF]);
    expect(twice).toEqual(once);
    const views = once as Record<string, Array<Record<string, unknown>>>;
    expect(views[ACCOUNTS]).toEqual([expect.objectContaining({ id: 'a1', seatLimit: 3 })]);
    expect(views[STAFF].map((member) => [member.id, member.epoch])).toEqual([
      ['u1', 0],
      ['u3', 0],
    ]);
    await events.close();
    await documents.close();
  });

  it('a staff member who signs out gets a new epoch', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    await events.appendToStream(
      'staff-u9',
      [
        { id: randomUUID(), type: 'StaffMemberRegistered', data: { ...staff('u9', 'x@y.co').data } },
        { id: randomUUID(), type: 'StaffMemberSignedOut', data: { userId: 'u9', accountId: 'a1', signedOutAt: at } },
      ],
      { expectedRevision: 'no_stream' },
    );
    const { once } = await applyTwice(documents, new IdentityViewsProjection(documents), await events.readAll(), [STAFF]);
    expect((once as Record<string, Array<Record<string, unknown>>>)[STAFF]).toEqual([expect.objectContaining({ id: 'u9', epoch: 1 })]);
    await events.close();
    await documents.close();
  });
});
