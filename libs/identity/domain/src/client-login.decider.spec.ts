import { deciderSpec } from '@clientele/platform/testing';
import { ClientLoginEvent, clientLoginDecider } from './client-login.decider';

const now = '2026-11-21T10:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(now) + ms).toISOString();
const ids = { clientId: 'c1', accountId: 'a1' };
const invited = (tokenId = 't1'): ClientLoginEvent => ({
  type: 'ClientInvitationIssued',
  data: { ...ids, tokenId, expiresAt: later(7 * 24 * 3600 * 1000), issuedAt: now, reason: 'added' },
});
const accepted: ClientLoginEvent = { type: 'ClientInvitationAccepted', data: { ...ids, tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h1', acceptedAt: now } };
const revoked: ClientLoginEvent = { type: 'ClientAccessRevoked', data: { ...ids, reason: 'offline', revokedAt: now } };

describe('client login', () => {
  const spec = deciderSpec(clientLoginDecider);

  it('issues an invitation that expires in 7 days; a new one replaces the old', () => {
    spec.given([]).when({ type: 'IssueInvitation', ...ids, tokenId: 't1', now, reason: 'added' }).then([invited()]);
    spec.given([invited('t1'), invited('t2')]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h', now }).thenThrows('validation_failed');
  });

  it('accepts an invitation once, before it expires', () => {
    spec.given([invited()]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h1', now }).then([accepted]);
    spec.given([invited(), accepted]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h2', now }).thenThrows('validation_failed');
    spec.given([invited()]).when({ type: 'AcceptInvitation', tokenId: 't1', email: 'a@b.co', firstName: 'A', lastName: 'B', passwordHash: 'h', now: later(8 * 24 * 3600 * 1000) }).thenThrows('validation_failed');
  });

  it('revokes access (offline), and restores it only for a client who had set a password', () => {
    spec.given([invited(), accepted]).when({ type: 'RevokeAccess', reason: 'offline', now }).then([revoked]);
    spec.given([invited(), accepted, revoked]).when({ type: 'RestoreAccess', now }).then([{ type: 'ClientAccessRestored', data: { ...ids, restoredAt: now } }]);
    spec.given([invited(), revoked]).when({ type: 'RestoreAccess', now }).thenNothingHappens();
    spec.given([]).when({ type: 'RevokeAccess', reason: 'offline', now }).thenNothingHappens();
  });

  it('issues one-hour password resets to active logins only, usable once', () => {
    const issued: ClientLoginEvent = { type: 'ClientPasswordResetIssued', data: { ...ids, tokenId: 'r1', expiresAt: later(3600 * 1000), issuedAt: now } };
    spec.given([invited(), accepted]).when({ type: 'IssuePasswordReset', tokenId: 'r1', now }).then([issued]);
    spec.given([invited()]).when({ type: 'IssuePasswordReset', tokenId: 'r1', now }).thenNothingHappens();
    const changed: ClientLoginEvent = { type: 'ClientPasswordChanged', data: { ...ids, tokenId: 'r1', passwordHash: 'h2', changedAt: now } };
    spec.given([invited(), accepted, issued]).when({ type: 'ResetPassword', tokenId: 'r1', passwordHash: 'h2', now }).then([changed]);
    spec.given([invited(), accepted, issued, changed]).when({ type: 'ResetPassword', tokenId: 'r1', passwordHash: 'h3', now }).thenThrows('validation_failed');
    spec.given([invited(), accepted, issued]).when({ type: 'ResetPassword', tokenId: 'r1', passwordHash: 'h2', now: later(2 * 3600 * 1000) }).thenThrows('validation_failed');
  });

  it('removes the login of a deleted client, once', () => {
    spec.given([invited(), accepted]).when({ type: 'RemoveLogin', now }).then([{ type: 'ClientLoginRemoved', data: { ...ids, removedAt: now } }]);
    spec.given([]).when({ type: 'RemoveLogin', now }).thenNothingHappens();
  });
});
