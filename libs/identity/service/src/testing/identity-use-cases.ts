import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import { IdentitySubjects, type LoginResult } from '@clientele/identity/contracts';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { UseCaseHarness, staffActor } from '@clientele/platform/testing';
import { clientLoginStream } from '../client-access/client-access';
import { LinkTokens, type LinkKind } from '../client-access/link-tokens';
import { IDENTITY_PROCESSORS, type IdentityProcessors } from '../identity.deps';
import { IdentityModule } from '../identity.module';
import { accountStream, loginEmailStream, staffStream } from '../streams';

const JWT_SECRET = 'a use-case secret of at least thirty-two characters';

/**
 * The identity service alone on the embedded adapters, with a stand-in of the clients service:
 * its roster (`clients.query.get-contact`) holds the clients the test puts in `roster`, and each
 * coach has the number of clients the test puts in `assigned` (`clients.query.list-clients`).
 */
export async function startIdentity(): Promise<{ identity: UseCaseHarness; roster: Map<string, ClientContactView>; assigned: Map<string, number> }> {
  const identity = await UseCaseHarness.start({
    module: (adapters) => IdentityModule.register({ ...adapters, jwtSecret: JWT_SECRET, publicUrl: 'http://clientele.test' }),
    readModels: (app) => Object.values(app.get<IdentityProcessors>(IDENTITY_PROCESSORS)),
  });
  const roster = new Map<string, ClientContactView>();
  const assigned = new Map<string, number>();
  identity.respond<{ clientId: string }>(ClientsSubjects.getContact, ({ data }) => {
    const found = roster.get(data.clientId);
    if (!found) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    return found;
  });
  identity.respond<{ coachId: string }>(ClientsSubjects.listClients, ({ data }) => ({ items: [], total: assigned.get(data.coachId) ?? 0 }));
  return { identity, roster, assigned };
}

/** A link of the kind for the client's token, as the mails carry it. */
export const link = (kind: LinkKind, clientId: string, tokenId: string) => new LinkTokens(JWT_SECRET).create(kind, clientId, tokenId);

export const PASSWORD = 'correct horse battery staple';
/** PASSWORD's hash (`hashPassword`), worked out once: scrypt is slow on purpose. */
const PASSWORD_HASH = 'scrypt$16384$8$1$6-OmuNsFpCIMrcuxBa8Dow$KNkqRXFLRseC_oxdjlBaMS6u7r6CsPNt0ZtqMHI0V4Q';

export const owner = staffActor('admin', 'u-owner', 'a1');
export const coach = staffActor('coach', 'u-coach', 'a1', ['create_clients']);

interface Member {
  userId: string;
  email: string;
  role: 'admin' | 'coach';
  registeredBy: string | null;
}

async function givenMember(identity: UseCaseHarness, member: Member, account?: { accountId: string; businessName: string; seatLimit: number | null }): Promise<void> {
  const staffMember = {
    userId: member.userId,
    accountId: 'a1',
    firstName: 'Paula',
    lastName: 'Radcliffe',
    email: member.email,
    role: member.role,
    capabilities: member.role === 'coach' ? ['create_clients'] : [],
    passwordHash: PASSWORD_HASH,
    registeredBy: member.registeredBy,
  };
  const at = '2026-01-01T09:00:00.000Z';
  // The claim last: the registration completer finds the account and the member there already, and adds nothing.
  if (account) await identity.given(accountStream(account.accountId), [{ type: 'AccountOpened', data: { ...account, ownerId: member.userId, openedAt: at } }]);
  await identity.given(staffStream(member.userId), [{ type: 'StaffMemberRegistered', data: { ...staffMember, registeredAt: at } }]);
  await identity.given(loginEmailStream(member.email), [
    { type: 'LoginEmailClaimed', data: { userId: member.userId, accountId: 'a1', claimedAt: at, registration: { ...(account ? { account } : {}), staffMember } } },
  ]);
}

/** Account a1 and its owner u-owner (owner@example.com), who signs in with PASSWORD. */
export const givenAccount = (identity: UseCaseHarness) =>
  givenMember(identity, { userId: owner.id, email: 'owner@example.com', role: 'admin', registeredBy: null }, { accountId: 'a1', businessName: 'Run Club', seatLimit: 10 });

/** Coach u-coach (coach@example.com) of account a1, who signs in with PASSWORD. */
export const givenCoach = (identity: UseCaseHarness) => givenMember(identity, { userId: coach.id, email: 'coach@example.com', role: 'coach', registeredBy: owner.id });

/** Client c1 of u-coach on the roster, full access, at mo@example.com. */
export const contact = (email = 'mo@example.com'): ClientContactView => ({
  clientId: 'c1',
  accountId: 'a1',
  coachId: coach.id,
  firstName: 'Mo',
  lastName: 'Farah',
  email,
  type: 'full_access',
  status: 'active',
  appAccess: 'invited',
  version: 1,
});

/** Client c1 was invited at mo@example.com: the invitation link `link('invitation', 'c1', 'inv-1')` works. */
export const givenInvitation = (identity: UseCaseHarness, expiresAt = '2099-01-01T00:00:00.000Z') =>
  identity.given(clientLoginStream('c1'), [
    {
      type: 'ClientInvitationIssued',
      data: { clientId: 'c1', accountId: 'a1', tokenId: 'inv-1', email: 'mo@example.com', expiresAt, issuedAt: '2026-01-01T09:00:00.000Z', reason: 'added' },
    },
  ]);

/** Client c1 accepted the invitation, and signs in at mo@example.com with PASSWORD. */
export async function givenActiveClient(identity: UseCaseHarness, roster: Map<string, ClientContactView>): Promise<LoginResult> {
  roster.set('c1', contact());
  await givenInvitation(identity);
  return identity.when<LoginResult>(IdentitySubjects.acceptInvitation, { data: { token: link('invitation', 'c1', 'inv-1'), password: PASSWORD } });
}
