import { deciderSpec } from '@clientele/platform/testing';
import { accountDecider } from './account.decider';
import { loginEmailDecider, PendingRegistration } from './login-email.decider';
import { staffMemberDecider } from './staff-member.decider';

const now = '2026-11-21T10:00:00.000Z';

describe('account', () => {
  const spec = deciderSpec(accountDecider);
  const opened = {
    type: 'AccountOpened' as const,
    data: { accountId: 'a1', businessName: 'Fit Co', seatLimit: 3, ownerId: 'u1', openedAt: now },
  };

  it('opens with a business name and an optional seat limit', () => {
    spec.given([]).when({ type: 'OpenAccount', accountId: 'a1', businessName: ' Fit Co ', seatLimit: 3, ownerId: 'u1', metadata: { now } }).then([opened]);
  });

  it('opening the same account again changes nothing', () => {
    spec.given([opened]).when({ type: 'OpenAccount', accountId: 'a1', businessName: 'Other', seatLimit: 9, ownerId: 'u2', metadata: { now } }).thenNothingHappens();
  });

  it('refuses a seat limit that is not a whole number of seats', () => {
    spec.given([]).when({ type: 'OpenAccount', accountId: 'a1', businessName: 'Fit Co', seatLimit: -1, ownerId: 'u1', metadata: { now } }).thenThrows('validation_failed');
    spec.given([]).when({ type: 'OpenAccount', accountId: 'a1', businessName: 'Fit Co', seatLimit: 2.5, ownerId: 'u1', metadata: { now } }).thenThrows('validation_failed');
    spec.given([opened]).when({ type: 'ChangeSeatLimit', seatLimit: -3, metadata: { now } }).thenThrows('validation_failed');
  });

  it('changes the seat limit, to none as well, and records nothing when it is the same', () => {
    spec.given([opened]).when({ type: 'ChangeSeatLimit', seatLimit: null, metadata: { now } }).then([
      { type: 'AccountSeatLimitChanged', data: { accountId: 'a1', seatLimit: null, previousSeatLimit: 3, changedAt: now } },
    ]);
    spec.given([opened]).when({ type: 'ChangeSeatLimit', seatLimit: 3, metadata: { now } }).thenNothingHappens();
  });

  it('cannot change an account that does not exist', () => {
    spec.given([]).when({ type: 'ChangeSeatLimit', seatLimit: 3, metadata: { now } }).thenThrows('not_found');
  });
});

describe('staff member', () => {
  const spec = deciderSpec(staffMemberDecider);
  const command = {
    type: 'RegisterStaffMember' as const,
    userId: 'u2',
    accountId: 'a1',
    firstName: 'Cora',
    lastName: 'Coach',
    email: 'cora@fit.co',
    role: 'coach' as const,
    passwordHash: 'scrypt$...',
    registeredBy: 'u1',
    metadata: { now },
  };

  it('gives a coach create_clients by default and an admin every capability', () => {
    spec.given([]).when(command).then([
      {
        type: 'StaffMemberRegistered',
        data: {
          userId: 'u2',
          accountId: 'a1',
          firstName: 'Cora',
          lastName: 'Coach',
          email: 'cora@fit.co',
          role: 'coach',
          capabilities: ['create_clients'],
          passwordHash: 'scrypt$...',
          registeredAt: now,
          registeredBy: 'u1',
        },
      },
    ]);
    const [admin] = staffMemberDecider.decide({ ...command, role: 'admin', capabilities: [] }, staffMemberDecider.initialState());
    expect(admin.type === 'StaffMemberRegistered' && admin.data.capabilities).toEqual(['create_clients', 'delete_clients', 'manage_products', 'import_clients']);
    const [limited] = staffMemberDecider.decide({ ...command, capabilities: ['import_clients'] }, staffMemberDecider.initialState());
    expect(limited.type === 'StaffMemberRegistered' && limited.data.capabilities).toEqual(['import_clients']);
  });

  it('registering the same person twice changes nothing', () => {
    const [registered] = staffMemberDecider.decide(command, staffMemberDecider.initialState());
    spec.given([registered]).when(command).thenNothingHappens();
  });

  describe('ending access (issue 17, finding 8)', () => {
    const [registered] = staffMemberDecider.decide(command, staffMemberDecider.initialState());
    const ids = { userId: 'u2', accountId: 'a1' };
    const epochAfter = (events: Parameters<typeof staffMemberDecider.evolve>[1][]) => {
      const state = events.reduce(staffMemberDecider.evolve, staffMemberDecider.initialState());
      return state.status === 'none' ? null : state.epoch;
    };

    it('signing out and changing the password each end the access epoch', () => {
      const signedOut = { type: 'StaffMemberSignedOut' as const, data: { ...ids, signedOutAt: now } };
      const changed = { type: 'StaffPasswordChanged' as const, data: { ...ids, passwordHash: 'scrypt$new', changedAt: now } };
      spec.given([registered]).when({ type: 'SignOut', metadata: { now } }).then([signedOut]);
      spec.given([registered]).when({ type: 'ChangePassword', passwordHash: 'scrypt$new', metadata: { now } }).then([changed]);
      expect(epochAfter([registered])).toBe(0);
      expect(epochAfter([registered, signedOut, changed])).toBe(2);
    });

    it('removes a member once; a removed member cannot sign out or change a password', () => {
      const removed = { type: 'StaffMemberRemoved' as const, data: { ...ids, email: 'cora@fit.co', removedBy: 'u1', removedAt: now } };
      spec.given([registered]).when({ type: 'RemoveStaffMember', metadata: { actorId: 'u1', now } }).then([removed]);
      spec.given([registered, removed]).when({ type: 'RemoveStaffMember', metadata: { actorId: 'u1', now } }).thenNothingHappens();
      spec.given([registered, removed]).when({ type: 'SignOut', metadata: { now } }).thenNothingHappens();
      spec.given([registered, removed]).when({ type: 'ChangePassword', passwordHash: 'x', metadata: { now } }).thenThrows('not_found');
      spec.given([]).when({ type: 'RemoveStaffMember', metadata: { actorId: 'u1', now } }).thenThrows('not_found');
    });
  });
});

describe('login e-mail claim', () => {
  const spec = deciderSpec(loginEmailDecider);
  const registration = (userId: string): PendingRegistration => ({
    staffMember: { userId, accountId: 'a1', firstName: 'A', lastName: 'B', email: 'a@b.co', role: 'coach', passwordHash: 'h', registeredBy: null },
  });
  const claimed = { type: 'LoginEmailClaimed' as const, data: { userId: 'u1', accountId: 'a1', claimedAt: now, registration: registration('u1') } };

  it('is claimed by the first person', () => {
    spec.given([]).when({ type: 'ClaimLoginEmail', email: 'a@b.co', registration: registration('u1'), metadata: { now } }).then([claimed]);
  });

  it('refuses a second person with email_taken', () => {
    spec.given([claimed]).when({ type: 'ClaimLoginEmail', email: 'A@b.co', registration: registration('u2'), metadata: { now } }).thenThrows('email_taken', /already used/);
  });

  it('lets the same person claim it again (a retried request) without recording anything', () => {
    spec.given([claimed]).when({ type: 'ClaimLoginEmail', email: 'a@b.co', registration: registration('u1'), metadata: { now } }).thenNothingHappens();
  });

  describe('one login per address, across staff and clients (issue 17, findings 1 and 2)', () => {
    const clientClaim = { clientId: 'c1', accountId: 'a2', purpose: 'invitation' as const, tokenId: 't1', passwordHash: 'h' };
    const clientClaimed = { type: 'LoginEmailClaimed' as const, data: { userId: 'c1', accountId: 'a2', claimedAt: now, clientSignIn: clientClaim } };
    const released = { type: 'LoginEmailReleased' as const, data: { userId: 'c1', accountId: 'a2', reason: 'client_deleted' as const, releasedAt: now } };

    it('a client who signs in holds the address: a sign-up with it is refused', () => {
      spec.given([]).when({ type: 'ClaimLoginEmailForClient', email: 'a@b.co', clientSignIn: clientClaim, metadata: { now } }).then([clientClaimed]);
      spec.given([clientClaimed]).when({ type: 'ClaimLoginEmail', email: 'a@b.co', registration: registration('u1'), metadata: { now } }).thenThrows('email_taken');
    });

    it('a staff member holds the address: a client cannot take it', () => {
      spec.given([claimed]).when({ type: 'ClaimLoginEmailForClient', email: 'a@b.co', clientSignIn: clientClaim, metadata: { now } }).thenThrows('email_taken');
    });

    it('is free again once its holder releases it, and only its holder can', () => {
      spec.given([clientClaimed]).when({ type: 'ReleaseLoginEmail', userId: 'c1', reason: 'client_deleted', metadata: { now } }).then([released]);
      spec.given([clientClaimed]).when({ type: 'ReleaseLoginEmail', userId: 'someone-else', reason: 'client_deleted', metadata: { now } }).thenNothingHappens();
      spec.given([clientClaimed, released]).when({ type: 'ClaimLoginEmail', email: 'a@b.co', registration: registration('u1'), metadata: { now } }).then([claimed]);
      // A late release of the former holder never frees the new holder's claim.
      spec.given([clientClaimed, released, claimed]).when({ type: 'ReleaseLoginEmail', userId: 'c1', reason: 'client_deleted', metadata: { now } }).thenNothingHappens();
    });
  });
});
