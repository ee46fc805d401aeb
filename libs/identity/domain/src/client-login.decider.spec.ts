import { deciderSpec } from '@clientele/platform/testing';
import { ClientLoginEvent, clientLoginDecider } from './client-login.decider';

const now = '2026-11-21T10:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(now) + ms).toISOString();
const ids = { clientId: 'c1', accountId: 'a1' };
const invited = (tokenId = 't1', email = 'a@b.co'): ClientLoginEvent => ({
  type: 'ClientInvitationIssued',
  data: { ...ids, tokenId, email, expiresAt: later(7 * 24 * 3600 * 1000), issuedAt: now, reason: 'added' },
});
const accepted: ClientLoginEvent = { type: 'ClientInvitationAccepted', data: { ...ids, tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h1', acceptedAt: now } };
const revoked: ClientLoginEvent = { type: 'ClientAccessRevoked', data: { ...ids, reason: 'offline', revokedAt: now } };

describe('client login', () => {
  const spec = deciderSpec(clientLoginDecider);

  it('issues an invitation that expires in 7 days; a new one replaces the old', () => {
    spec.given([]).when({ type: 'IssueInvitation', ...ids, tokenId: 't1', email: 'a@b.co', reason: 'added', metadata: { now } }).then([invited()]);
    spec.given([invited('t1'), invited('t2')]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h', metadata: { now } }).thenThrows('validation_failed');
  });

  it('accepts an invitation once, before it expires', () => {
    spec.given([invited()]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h1', metadata: { now } }).then([accepted]);
    spec.given([invited(), accepted]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h2', metadata: { now } }).thenThrows('validation_failed');
    spec.given([invited()]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h', metadata: { now: later(8 * 24 * 3600 * 1000) } }).thenThrows('validation_failed');
  });

  it('revokes access (offline), and restores it only for a client who had set a password', () => {
    spec.given([invited(), accepted]).when({ type: 'RevokeAccess', reason: 'offline', metadata: { now } }).then([revoked]);
    spec.given([invited(), accepted, revoked]).when({ type: 'RestoreAccess', metadata: { now } }).then([{ type: 'ClientAccessRestored', data: { ...ids, restoredAt: now } }]);
    spec.given([invited(), revoked]).when({ type: 'RestoreAccess', metadata: { now } }).thenNothingHappens();
    spec.given([]).when({ type: 'RevokeAccess', reason: 'offline', metadata: { now } }).thenNothingHappens();
  });

  it('issues one-hour password resets to active logins only, usable once', () => {
    const issued: ClientLoginEvent = { type: 'ClientPasswordResetIssued', data: { ...ids, tokenId: 'r1', expiresAt: later(3600 * 1000), issuedAt: now } };
    spec.given([invited(), accepted]).when({ type: 'IssuePasswordReset', tokenId: 'r1', metadata: { now } }).then([issued]);
    spec.given([invited()]).when({ type: 'IssuePasswordReset', tokenId: 'r1', metadata: { now } }).thenNothingHappens();
    const changed: ClientLoginEvent = { type: 'ClientPasswordChanged', data: { ...ids, tokenId: 'r1', passwordHash: 'h2', changedAt: now } };
    spec.given([invited(), accepted, issued]).when({ type: 'ResetPassword', tokenId: 'r1', passwordHash: 'h2', metadata: { now } }).then([changed]);
    spec.given([invited(), accepted, issued, changed]).when({ type: 'ResetPassword', tokenId: 'r1', passwordHash: 'h3', metadata: { now } }).thenThrows('validation_failed');
    spec.given([invited(), accepted, issued]).when({ type: 'ResetPassword', tokenId: 'r1', passwordHash: 'h2', metadata: { now: later(2 * 3600 * 1000) } }).thenThrows('validation_failed');
  });

  it('removes the login of a deleted client, once', () => {
    spec.given([invited(), accepted]).when({ type: 'RemoveLogin', metadata: { now } }).then([{ type: 'ClientLoginRemoved', data: { ...ids, removedAt: now } }]);
    spec.given([]).when({ type: 'RemoveLogin', metadata: { now } }).thenNothingHappens();
  });

  it('gives the login to the address the invitation was sent to, and to no other (issue 17, finding 1)', () => {
    // The contact's address was changed to the victim's after the invitation went to the attacker's own.
    spec
      .given([invited('t1', 'attacker@y.example')])
      .when({ type: 'AcceptInvitation', tokenId: 't1', email: 'victim@x.example', firstName: 'A', lastName: 'B', passwordHash: 'h', metadata: { now } })
      .thenThrows('validation_failed');
    spec
      .given([invited('t1', 'Ada@Y.example')])
      .when({ type: 'AcceptInvitation', tokenId: 't1', email: 'ada@y.example', firstName: 'A', lastName: 'B', passwordHash: 'h', metadata: { now } })
      .then([{ type: 'ClientInvitationAccepted', data: { ...ids, tokenId: 't1', email: 'Ada@Y.example', firstName: 'A', lastName: 'B', passwordHash: 'h', acceptedAt: now } }]);
  });

  it('an invitation recorded before links were bound to an address cannot be accepted', () => {
    const legacy = { type: 'ClientInvitationIssued', data: { ...ids, tokenId: 't1', expiresAt: later(3600_000), issuedAt: now, reason: 'added' } } as unknown as ClientLoginEvent;
    spec.given([legacy]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h', metadata: { now } }).thenThrows('validation_failed');
  });

  describe('a new sign-in address', () => {
    const requested: ClientLoginEvent = {
      type: 'ClientEmailChangeRequested',
      data: { ...ids, tokenId: 'e1', email: 'new@b.co', previousEmail: 'a@b.co', expiresAt: later(7 * 24 * 3600 * 1000), requestedAt: now },
    };
    const notice: ClientLoginEvent = { type: 'ClientEmailChangeNoticeSent', data: { ...ids, email: 'a@b.co', sentAt: now } };
    const changed: ClientLoginEvent = { type: 'ClientSignInEmailChanged', data: { ...ids, tokenId: 'e1', email: 'new@b.co', previousEmail: 'a@b.co', changedAt: now } };

    it('sends a confirmation link to the new address and a notice to the current one', () => {
      spec.given([invited(), accepted]).when({ type: 'RequestEmailChange', tokenId: 'e1', email: 'new@b.co', metadata: { now } }).then([requested, notice]);
    });

    it('asks nothing for the same address, a client who never signed in, or a repeated request', () => {
      spec.given([invited(), accepted]).when({ type: 'RequestEmailChange', tokenId: 'e1', email: 'A@B.co', metadata: { now } }).thenNothingHappens();
      spec.given([invited()]).when({ type: 'RequestEmailChange', tokenId: 'e1', email: 'new@b.co', metadata: { now } }).thenNothingHappens();
      spec.given([invited(), accepted, requested, notice]).when({ type: 'RequestEmailChange', tokenId: 'e2', email: 'new@b.co', metadata: { now } }).thenNothingHappens();
    });

    it('moves the sign-in only with the link, once, before it expires', () => {
      spec.given([invited(), accepted, requested, notice]).when({ type: 'ConfirmEmailChange', tokenId: 'e1', metadata: { now } }).then([changed]);
      spec.given([invited(), accepted, requested, notice, changed]).when({ type: 'ConfirmEmailChange', tokenId: 'e1', metadata: { now } }).thenThrows('validation_failed');
      spec.given([invited(), accepted, requested, notice]).when({ type: 'ConfirmEmailChange', tokenId: 'other', metadata: { now } }).thenThrows('validation_failed');
      spec.given([invited(), accepted, requested, notice]).when({ type: 'ConfirmEmailChange', tokenId: 'e1', metadata: { now: later(8 * 24 * 3600 * 1000) } }).thenThrows('validation_failed');
      spec.given([invited(), accepted]).when({ type: 'ConfirmEmailChange', tokenId: 'e1', metadata: { now } }).thenThrows('validation_failed');
    });

    it('putting the current address back cancels the change asked before: its link stops working', () => {
      const cancelled: ClientLoginEvent = { type: 'ClientEmailChangeCancelled', data: { ...ids, tokenId: 'e1', cancelledAt: now } };
      spec.given([invited(), accepted, requested, notice]).when({ type: 'RequestEmailChange', tokenId: 'e2', email: 'a@b.co', metadata: { now } }).then([cancelled]);
      spec.given([invited(), accepted, requested, notice, cancelled]).when({ type: 'ConfirmEmailChange', tokenId: 'e1', metadata: { now } }).thenThrows('validation_failed');
    });

    it('a revoked or deleted client cannot confirm a change asked before', () => {
      spec.given([invited(), accepted, requested, notice, revoked]).when({ type: 'ConfirmEmailChange', tokenId: 'e1', metadata: { now } }).thenThrows('validation_failed');
    });
  });

  it('a reset link sent to the old address dies when the client moves to a confirmed new one', () => {
    const reset: ClientLoginEvent = { type: 'ClientPasswordResetIssued', data: { ...ids, tokenId: 'r1', expiresAt: later(3600 * 1000), issuedAt: now } };
    const requested: ClientLoginEvent = {
      type: 'ClientEmailChangeRequested',
      data: { ...ids, tokenId: 'e1', email: 'new@b.co', previousEmail: 'a@b.co', expiresAt: later(3600 * 1000), requestedAt: now },
    };
    const changed: ClientLoginEvent = { type: 'ClientSignInEmailChanged', data: { ...ids, tokenId: 'e1', email: 'new@b.co', previousEmail: 'a@b.co', changedAt: now } };
    spec.given([invited(), accepted, reset, requested, changed]).when({ type: 'ResetPassword', tokenId: 'r1', passwordHash: 'h9', metadata: { now } }).thenThrows('validation_failed');
  });

  it('never invites a client who already has a login (going offline and back restores it instead)', () => {
    spec.given([invited(), accepted, revoked]).when({ type: 'IssueInvitation', ...ids, tokenId: 't2', email: 'other@b.co', reason: 'type_changed', metadata: { now } }).thenNothingHappens();
  });

  it('signs out: the access epoch ends', () => {
    const signedOut: ClientLoginEvent = { type: 'ClientSignedOut', data: { ...ids, signedOutAt: now } };
    spec.given([invited(), accepted]).when({ type: 'SignOut', metadata: { now } }).then([signedOut]);
    const state = [invited(), accepted, signedOut].reduce(clientLoginDecider.evolve, clientLoginDecider.initialState());
    expect(state.status !== 'none' && state.epoch).toBe(1);
    spec.given([]).when({ type: 'SignOut', metadata: { now } }).thenNothingHappens();
  });
});
