import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';

/**
 * A client's way into the client app (`clientlogin-<clientId>`). It follows the client's type:
 * full-access clients may sign in, offline ones never. Invitations and password resets are
 * one-time links: the link carries the id of the token and a MAC over it (see the service), so
 * nothing secret is stored, only which token is current, until when, and whether it was used.
 * Every security-relevant change is an event, for audits.
 */
export type ClientLoginEvent =
  | { type: 'ClientInvitationIssued'; data: { clientId: string; accountId: string; tokenId: string; expiresAt: string; issuedAt: string; reason: 'added' | 'type_changed' | 'requested' } }
  | { type: 'ClientInvitationAccepted'; data: { clientId: string; accountId: string; tokenId: string; email: string; firstName: string; lastName: string; passwordHash: string; acceptedAt: string } }
  | { type: 'ClientLoginLinkSent'; data: { clientId: string; accountId: string; sentAt: string } }
  | { type: 'ClientPasswordResetIssued'; data: { clientId: string; accountId: string; tokenId: string; expiresAt: string; issuedAt: string } }
  | { type: 'ClientPasswordChanged'; data: { clientId: string; accountId: string; tokenId: string; passwordHash: string; changedAt: string } }
  | { type: 'ClientAccessRevoked'; data: { clientId: string; accountId: string; reason: 'offline' | 'deleted'; revokedAt: string } }
  | { type: 'ClientAccessRestored'; data: { clientId: string; accountId: string; restoredAt: string } }
  | { type: 'ClientLoginRemoved'; data: { clientId: string; accountId: string; removedAt: string } };

export type ClientLoginCommand =
  | { type: 'IssueInvitation'; clientId: string; accountId: string; tokenId: string; now: string; reason: 'added' | 'type_changed' | 'requested' }
  | { type: 'AcceptInvitation'; tokenId: string; email: string; firstName: string; lastName: string; passwordHash: string; now: string }
  | { type: 'SendLoginLink'; now: string }
  | { type: 'IssuePasswordReset'; tokenId: string; now: string }
  | { type: 'ResetPassword'; tokenId: string; passwordHash: string; now: string }
  | { type: 'RevokeAccess'; reason: 'offline' | 'deleted'; now: string }
  | { type: 'RestoreAccess'; now: string }
  | { type: 'RemoveLogin'; now: string };

export interface PendingToken {
  tokenId: string;
  expiresAt: string;
}

export interface ClientLoginState {
  clientId: string;
  accountId: string;
  /** Has set a password (accepted an invitation): leaving offline then restores access. */
  hasPassword: boolean;
  passwordHash: string | null;
  access: 'none' | 'invited' | 'active' | 'revoked' | 'removed';
  invitation: PendingToken | null;
  reset: PendingToken | null;
  /** Bumped at every revocation and password change: tokens issued before stop working. */
  epoch: number;
}

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const RESET_TTL_MS = 3600 * 1000;

const invalidToken = () =>
  new AppError(ErrorCodes.validationFailed, 'This link is not valid any more: it was used, replaced or has expired. Ask for a new one.', [
    { field: 'token', message: 'is not valid' },
  ]);

export const clientLoginDecider: Decider<ClientLoginCommand, ClientLoginState, ClientLoginEvent> = {
  initialState: () => ({ clientId: '', accountId: '', hasPassword: false, passwordHash: null, access: 'none', invitation: null, reset: null, epoch: 0 }),

  decide(command, state) {
    const ids = { clientId: state.clientId, accountId: state.accountId };
    switch (command.type) {
      case 'IssueInvitation':
        if (state.access === 'removed') return [];
        return [
          {
            type: 'ClientInvitationIssued',
            data: {
              clientId: command.clientId,
              accountId: command.accountId,
              tokenId: command.tokenId,
              expiresAt: new Date(Date.parse(command.now) + INVITATION_TTL_MS).toISOString(),
              issuedAt: command.now,
              reason: command.reason,
            },
          },
        ];
      case 'AcceptInvitation': {
        const invitation = state.invitation;
        if (state.access !== 'invited' || !invitation || invitation.tokenId !== command.tokenId || invitation.expiresAt <= command.now) throw invalidToken();
        return [
          {
            type: 'ClientInvitationAccepted',
            data: {
              ...ids,
              tokenId: command.tokenId,
              email: command.email,
              firstName: command.firstName,
              lastName: command.lastName,
              passwordHash: command.passwordHash,
              acceptedAt: command.now,
            },
          },
        ];
      }
      case 'SendLoginLink':
        if (state.access !== 'active') return [];
        return [{ type: 'ClientLoginLinkSent', data: { ...ids, sentAt: command.now } }];
      case 'IssuePasswordReset':
        // Only a client who can sign in gets a reset; anyone else silently gets nothing.
        if (state.access !== 'active') return [];
        return [
          {
            type: 'ClientPasswordResetIssued',
            data: { ...ids, tokenId: command.tokenId, expiresAt: new Date(Date.parse(command.now) + RESET_TTL_MS).toISOString(), issuedAt: command.now },
          },
        ];
      case 'ResetPassword': {
        const reset = state.reset;
        if (state.access !== 'active' || !reset || reset.tokenId !== command.tokenId || reset.expiresAt <= command.now) throw invalidToken();
        return [{ type: 'ClientPasswordChanged', data: { ...ids, tokenId: command.tokenId, passwordHash: command.passwordHash, changedAt: command.now } }];
      }
      case 'RevokeAccess':
        if (state.access === 'none' || state.access === 'revoked' || state.access === 'removed') return [];
        return [{ type: 'ClientAccessRevoked', data: { ...ids, reason: command.reason, revokedAt: command.now } }];
      case 'RestoreAccess':
        if (state.access !== 'revoked' || !state.hasPassword) return [];
        return [{ type: 'ClientAccessRestored', data: { ...ids, restoredAt: command.now } }];
      case 'RemoveLogin':
        if (state.access === 'removed' || state.clientId === '') return [];
        return [{ type: 'ClientLoginRemoved', data: { ...ids, removedAt: command.now } }];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ClientInvitationIssued':
        return {
          ...state,
          clientId: event.data.clientId,
          accountId: event.data.accountId,
          access: state.access === 'active' ? 'active' : 'invited',
          invitation: { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt },
        };
      case 'ClientInvitationAccepted':
        return { ...state, access: 'active', hasPassword: true, passwordHash: event.data.passwordHash, invitation: null };
      case 'ClientPasswordResetIssued':
        return { ...state, reset: { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt } };
      case 'ClientPasswordChanged':
        return { ...state, passwordHash: event.data.passwordHash, reset: null, epoch: state.epoch + 1 };
      case 'ClientAccessRevoked':
        return { ...state, access: 'revoked', invitation: null, reset: null, epoch: state.epoch + 1 };
      case 'ClientAccessRestored':
        return { ...state, access: 'active' };
      case 'ClientLoginRemoved':
        return { ...state, access: 'removed', passwordHash: null, invitation: null, reset: null, epoch: state.epoch + 1 };
      default:
        return state;
    }
  },
};
