import { IdentitySubjects, type AccountView, type AddressSignsInRequest, type AddressSignsInResult } from '@clientele/identity/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import type { ClientType } from '@clientele/platform/core';
import { UseCaseHarness, staffActor, type GivenEvent } from '@clientele/platform/testing';
import { CLIENTS_PROCESSORS, type ClientsProcessors } from '../clients.deps';
import { ClientsModule } from '../clients.module';

/**
 * The clients service alone on the embedded adapters, with a stand-in of identity: account a1 has
 * no seat limit at version 0 unless `account` says otherwise (`identity.query.get-account`), and its staff are the actors below
 * (`identity.query.get-staff-member`). `signingIn`: the addresses that sign in to a login somewhere
 * in Clientele (`identity.query.address-signs-in`).
 */
export async function startClients(options: { signingIn?: string[]; account?: () => Pick<AccountView, 'seatLimit' | 'version'> } = {}): Promise<UseCaseHarness> {
  const clients = await UseCaseHarness.start({
    module: (adapters) => ClientsModule.register(adapters),
    readModels: (app) => [app.get<ClientsProcessors>(CLIENTS_PROCESSORS).views],
  });
  const account = options.account ?? (() => ({ seatLimit: null, version: 0 }));
  clients.respond(IdentitySubjects.getAccount, (): AccountView => ({ id: 'a1', businessName: 'Run Club', ownerId: admin.id, createdAt: '2026-01-01T09:00:00.000Z', ...account() }));
  clients.respond<{ userId: string }>(IdentitySubjects.getStaffMember, ({ data }) => ({ id: data.userId, accountId: 'a1' }));
  // The addresses that sign in to some login elsewhere in Clientele (none unless the test says so).
  const signingIn = new Set((options.signingIn ?? []).map((email) => email.toLowerCase()));
  clients.respond<AddressSignsInRequest>(IdentitySubjects.addressSignsIn, ({ data }): AddressSignsInResult => ({ signsIn: signingIn.has(data.email.trim().toLowerCase()) }));
  return clients;
}

export const admin = staffActor('admin', 'u-admin', 'a1');
export const coach = staffActor('coach', 'coach-1', 'a1', ['create_clients']);
export const otherCoach = staffActor('coach', 'coach-2', 'a1');
export const clientActor = (clientId = 'c1'): RequestActor => ({ id: clientId, role: 'client', accountId: 'a1', capabilities: [] });

/**
 * Client c1 of coach-1, as its stream starts (`client-c1`). Events recorded before sealing hold the
 * personal fields in clear, and the service reads them as they are: that is what this gives.
 */
export const clientAdded = (type: ClientType = 'full_access', clientId = 'c1'): GivenEvent => ({
  type: 'ClientAdded',
  data: {
    clientId,
    accountId: 'a1',
    firstName: 'Mo',
    lastName: 'Farah',
    email: `${clientId}@example.com`,
    phone: null,
    type,
    status: 'active',
    coachId: coach.id,
    source: { kind: 'manual' },
    sendInvitation: false,
    appAccess: type === 'offline' ? 'none' : 'not_invited',
    addedAt: '2026-01-01T09:00:00.000Z',
    addedBy: coach.id,
  },
});

/** The roster of account a1 as identity's limit sets it (`roster-a1`): with no client yet, `seatLimit` seats are free. */
export const seatLimitSet = (seatLimit: number | null): GivenEvent => ({
  type: 'RosterSeatLimitSet',
  data: { accountId: 'a1', seatLimit, accountVersion: 1 },
});
