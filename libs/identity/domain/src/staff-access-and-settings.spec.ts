import { deciderSpec } from '@clientele/platform/testing';
import { accountDecider } from './account.decider';
import { staffMemberDecider, type StaffMemberEvent } from './staff-member.decider';

const now = '2026-12-05T10:00:00.000Z';

describe('account settings (issue 21, item 7)', () => {
  const spec = deciderSpec(accountDecider);
  const opened = { type: 'AccountOpened' as const, data: { accountId: 'a1', businessName: 'Fit Co', seatLimit: 3, ownerId: 'u1', openedAt: now } };
  const renamed = { type: 'AccountRenamed' as const, data: { accountId: 'a1', businessName: 'Fit & Co', previousBusinessName: 'Fit Co', renamedAt: now } };

  it('renames the business, trimmed, and records nothing for the same name', () => {
    spec.given([opened]).when({ type: 'RenameBusiness', businessName: '  Fit & Co ', metadata: { now } }).then([renamed]);
    spec.given([opened]).when({ type: 'RenameBusiness', businessName: 'Fit Co', metadata: { now } }).thenNothingHappens();
    spec.given([opened, renamed]).when({ type: 'RenameBusiness', businessName: 'Fit & Co', metadata: { now } }).thenNothingHappens();
  });

  it('refuses an empty or overlong name with a sentence about the field', () => {
    spec.given([opened]).when({ type: 'RenameBusiness', businessName: '   ', metadata: { now } }).thenThrows('validation_failed', /name of the business/);
    spec.given([opened]).when({ type: 'RenameBusiness', businessName: 'x'.repeat(201), metadata: { now } }).thenThrows('validation_failed');
    spec.given([]).when({ type: 'RenameBusiness', businessName: 'Fit', metadata: { now } }).thenThrows('not_found');
  });

  it('updates the name and the seat limit together; what is absent stays', () => {
    spec.given([opened]).when({ type: 'UpdateAccount', businessName: 'Fit & Co', seatLimit: 10, metadata: { now } }).then([
      renamed,
      { type: 'AccountSeatLimitChanged', data: { accountId: 'a1', seatLimit: 10, previousSeatLimit: 3, changedAt: now } },
    ]);
    spec.given([opened]).when({ type: 'UpdateAccount', seatLimit: 3, metadata: { now } }).thenNothingHappens();
    spec.given([opened]).when({ type: 'UpdateAccount', metadata: { now } }).thenNothingHappens();
  });

  it('records nothing of an update when one part is wrong', () => {
    spec.given([opened]).when({ type: 'UpdateAccount', businessName: 'Fit & Co', seatLimit: -1, metadata: { now } }).thenThrows('validation_failed');
    spec.given([opened]).when({ type: 'UpdateAccount', businessName: '', seatLimit: 10, metadata: { now } }).thenThrows('validation_failed');
  });

  it('the state carries the new name (mails and checkout read it)', () => {
    const state = [opened, renamed].reduce(accountDecider.evolve, accountDecider.initialState());
    expect(state).toMatchObject({ businessName: 'Fit & Co', seatLimit: 3 });
  });
});

describe('staff access and password resets (issue 21, item 6)', () => {
  const spec = deciderSpec(staffMemberDecider);
  const registered = (role: 'coach' | 'admin', capabilities: string[]) =>
    ({
      type: 'StaffMemberRegistered',
      data: {
        userId: 'u2',
        accountId: 'a1',
        firstName: 'Cora',
        lastName: 'Coach',
        email: 'cora@fit.co',
        role,
        capabilities,
        passwordHash: 'scrypt$old',
        registeredAt: now,
        registeredBy: 'u1',
      },
    }) as StaffMemberEvent;
  const coach = registered('coach', ['create_clients']);
  const admin = registered('admin', ['create_clients', 'delete_clients', 'manage_products', 'import_clients']);
  const change = (fields: { role?: 'coach' | 'admin'; capabilities?: ('create_clients' | 'delete_clients' | 'manage_products' | 'import_clients')[]; isOwner?: boolean }, actorId = 'u1') => ({
    type: 'ChangeStaffAccess' as const,
    isOwner: false,
    ...fields,
    metadata: { actorId, now },
  });
  const changed = (data: Partial<Extract<StaffMemberEvent, { type: 'StaffMemberAccessChanged' }>['data']>) => ({
    type: 'StaffMemberAccessChanged' as const,
    data: {
      userId: 'u2',
      accountId: 'a1',
      role: 'coach' as const,
      capabilities: ['create_clients' as const],
      previousRole: 'coach' as const,
      previousCapabilities: ['create_clients' as const],
      changedBy: 'u1',
      changedAt: now,
      ...data,
    },
  });

  it("changes a coach's capabilities", () => {
    spec.given([coach]).when(change({ capabilities: ['create_clients', 'import_clients'] })).then([changed({ capabilities: ['create_clients', 'import_clients'] })]);
    spec.given([coach]).when(change({ capabilities: [] })).then([changed({ capabilities: [] })]);
  });

  it('records nothing when nothing changes (same capabilities in another order, or nothing asked)', () => {
    const twoCaps = changed({ capabilities: ['create_clients', 'import_clients'] });
    spec.given([coach, twoCaps]).when(change({ capabilities: ['import_clients', 'create_clients'] })).thenNothingHappens();
    spec.given([coach]).when(change({})).thenNothingHappens();
    spec.given([coach]).when(change({ role: 'coach' })).thenNothingHappens();
    // Admins always have every capability: asking for fewer changes nothing.
    spec.given([admin]).when(change({ capabilities: ['create_clients'] })).thenNothingHappens();
  });

  it('makes a coach an admin (every capability), and an admin a coach (the default capability unless told)', () => {
    spec.given([coach]).when(change({ role: 'admin' })).then([changed({ role: 'admin', capabilities: ['create_clients', 'delete_clients', 'manage_products', 'import_clients'] })]);
    spec.given([admin]).when(change({ role: 'coach' })).then([
      changed({ role: 'coach', capabilities: ['create_clients'], previousRole: 'admin', previousCapabilities: ['create_clients', 'delete_clients', 'manage_products', 'import_clients'] }),
    ]);
    spec.given([admin]).when(change({ role: 'coach', capabilities: ['manage_products'] })).then([
      changed({ role: 'coach', capabilities: ['manage_products'], previousRole: 'admin', previousCapabilities: ['create_clients', 'delete_clients', 'manage_products', 'import_clients'] }),
    ]);
  });

  it('keeps the owner an admin (owner_role_fixed), and nobody changes their own role (own_role_fixed)', () => {
    spec.given([admin]).when(change({ role: 'coach', isOwner: true })).thenThrows('owner_role_fixed', /always an administrator/);
    spec.given([admin]).when(change({ role: 'coach' }, 'u2')).thenThrows('own_role_fixed', /another administrator/);
    // Saying the role one already has is no change of it.
    spec.given([admin]).when(change({ role: 'admin', isOwner: true }, 'u2')).thenNothingHappens();
  });

  it('cannot change a removed member or nobody (not_found)', () => {
    const removed = { type: 'StaffMemberRemoved' as const, data: { userId: 'u2', accountId: 'a1', email: 'cora@fit.co', removedBy: 'u1', removedAt: now } };
    spec.given([coach, removed]).when(change({ role: 'admin' })).thenThrows('not_found');
    spec.given([]).when(change({ role: 'admin' })).thenThrows('not_found');
  });

  it("a change of access ends the member's tokens (they carry the old role and capabilities)", () => {
    const epoch = (events: StaffMemberEvent[]) => {
      const state = events.reduce(staffMemberDecider.evolve, staffMemberDecider.initialState());
      return state.status === 'none' ? null : state.epoch;
    };
    expect(epoch([coach, changed({ role: 'admin' })])).toBe(1);
  });

  describe('reset links', () => {
    const issued = {
      type: 'StaffPasswordResetIssued' as const,
      data: { userId: 'u2', accountId: 'a1', tokenId: 't1', expiresAt: '2026-12-05T11:00:00.000Z', issuedAt: now, requestedBy: 'u1' },
    };
    const used = { type: 'StaffPasswordChanged' as const, data: { userId: 'u2', accountId: 'a1', passwordHash: 'scrypt$new', changedAt: now, tokenId: 't1' } };

    it('issues a link that works for an hour, for an active member only', () => {
      spec.given([coach]).when({ type: 'IssueStaffPasswordReset', tokenId: 't1', metadata: { requestedBy: 'u1', now } }).then([issued]);
      const removed = { type: 'StaffMemberRemoved' as const, data: { userId: 'u2', accountId: 'a1', email: 'cora@fit.co', removedBy: 'u1', removedAt: now } };
      spec.given([coach, removed]).when({ type: 'IssueStaffPasswordReset', tokenId: 't1', metadata: { requestedBy: null, now } }).thenNothingHappens();
      spec.given([]).when({ type: 'IssueStaffPasswordReset', tokenId: 't1', metadata: { requestedBy: null, now } }).thenNothingHappens();
    });

    it('sets the new password once with the current link', () => {
      spec.given([coach, issued]).when({ type: 'ResetStaffPassword', tokenId: 't1', passwordHash: 'scrypt$new', metadata: { now } }).then([used]);
    });

    it('refuses a used, replaced, expired or unknown link (validation_failed)', () => {
      const reset = (tokenId: string, at = now) => ({ type: 'ResetStaffPassword' as const, tokenId, passwordHash: 'scrypt$new', metadata: { now: at } });
      spec.given([coach, issued, used]).when(reset('t1')).thenThrows('validation_failed', /not valid any more/);
      const replaced = { ...issued, data: { ...issued.data, tokenId: 't2' } };
      spec.given([coach, issued, replaced]).when(reset('t1')).thenThrows('validation_failed');
      spec.given([coach, issued]).when(reset('t1', '2026-12-05T11:00:00.000Z')).thenThrows('validation_failed');
      spec.given([coach]).when(reset('t1')).thenThrows('validation_failed');
      // A password changed meanwhile (with the current one) ends the link too.
      const changedByHand = { type: 'StaffPasswordChanged' as const, data: { userId: 'u2', accountId: 'a1', passwordHash: 'scrypt$other', changedAt: now } };
      spec.given([coach, issued, changedByHand]).when(reset('t1')).thenThrows('validation_failed');
    });
  });
});
