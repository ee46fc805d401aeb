import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';

/**
 * A client's way into the client app (`clientlogin-<clientId>`). It follows the client's type:
 * full-access clients may sign in, offline ones never. Invitations and password resets are
 * one-time links: the link carries the id of the token and a MAC over it (see the service), so
 * nothing secret is stored, only which token is current, until when, and whether it was used.
 * Every security-relevant change is an event, for audits.
 *
 * A link is bound to the address it was sent to (the `email` the invitation or the address change
 * recorded): accepting an invitation gives a login to that address, whatever the contact says by
 * then, and the sign-in address changes only when the new address's owner uses the confirmation
 * link sent to it. The addresses are the client's personal data: sealed by the service's codec.
 */
export type InvitationReason = 'added' | 'type_changed' | 'requested' | 'email_changed';

export type ClientLoginEvent =
  | { type: 'ClientInvitationIssued'; data: { clientId: string; accountId: string; tokenId: string; email: string; expiresAt: string; issuedAt: string; reason: InvitationReason } }
  | { type: 'ClientInvitationAccepted'; data: { clientId: string; accountId: string; tokenId: string; email: string; firstName: string; lastName: string; passwordHash: string; acceptedAt: string } }
  | { type: 'ClientLoginLinkSent'; data: { clientId: string; accountId: string; sentAt: string } }
  | { type: 'ClientPasswordResetIssued'; data: { clientId: string; accountId: string; tokenId: string; expiresAt: string; issuedAt: string } }
  | { type: 'ClientPasswordChanged'; data: { clientId: string; accountId: string; tokenId: string; passwordHash: string; changedAt: string } }
  | { type: 'ClientAccessRevoked'; data: { clientId: string; accountId: string; reason: 'offline' | 'deleted'; revokedAt: string } }
  | { type: 'ClientAccessRestored'; data: { clientId: string; accountId: string; restoredAt: string } }
  | { type: 'ClientLoginRemoved'; data: { clientId: string; accountId: string; removedAt: string } }
  | {
      type: 'ClientEmailChangeRequested';
      data: { clientId: string; accountId: string; tokenId: string; email: string; previousEmail: string; expiresAt: string; requestedAt: string };
    }
  /** The notice to the current sign-in address that someone asked to move it (sent with every request). */
  | { type: 'ClientEmailChangeNoticeSent'; data: { clientId: string; accountId: string; email: string; sentAt: string } }
  | { type: 'ClientSignInEmailChanged'; data: { clientId: string; accountId: string; tokenId: string; email: string; previousEmail: string; changedAt: string } }
  | { type: 'ClientSignedOut'; data: { clientId: string; accountId: string; signedOutAt: string } }
  /** The coach put the address back before the new one was confirmed: that link stops working. */
  | { type: 'ClientEmailChangeCancelled'; data: { clientId: string; accountId: string; tokenId: string; cancelledAt: string } };

export type ClientLoginCommand =
  | { type: 'IssueInvitation'; clientId: string; accountId: string; tokenId: string; email: string; now: string; reason: InvitationReason }
  | { type: 'AcceptInvitation'; tokenId: string; email: string; firstName: string; lastName: string; passwordHash: string; now: string }
  | { type: 'SendLoginLink'; now: string }
  | { type: 'IssuePasswordReset'; tokenId: string; now: string }
  | { type: 'ResetPassword'; tokenId: string; passwordHash: string; now: string }
  | { type: 'RevokeAccess'; reason: 'offline' | 'deleted'; now: string }
  | { type: 'RestoreAccess'; now: string }
  | { type: 'RemoveLogin'; now: string }
  | { type: 'RequestEmailChange'; tokenId: string; email: string; now: string }
  | { type: 'ConfirmEmailChange'; tokenId: string; now: string }
  | { type: 'SignOut'; now: string };

export interface PendingToken {
  tokenId: string;
  expiresAt: string;
}

/** A link sent to an address: only that address's owner can use it. */
export interface AddressedToken extends PendingToken {
  email: string;
}

export interface ClientLoginState {
  clientId: string;
  accountId: string;
  /** Has set a password (accepted an invitation): leaving offline then restores access. */
  hasPassword: boolean;
  passwordHash: string | null;
  access: 'none' | 'invited' | 'active' | 'revoked' | 'removed';
  /** The address this client signs in with, once they accepted; '' once erased. */
  signInEmail: string | null;
  invitation: AddressedToken | null;
  reset: PendingToken | null;
  emailChange: AddressedToken | null;
  /** Bumped at every revocation and password change: tokens issued before stop working. */
  epoch: number;
}

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const RESET_TTL_MS = 3600 * 1000;
export const EMAIL_CHANGE_TTL_MS = 7 * 24 * 3600 * 1000;

const sameAddress = (a: string | null | undefined, b: string | null | undefined) =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

const invalidToken = () =>
  new AppError(ErrorCodes.validationFailed, 'This link is not valid any more: it was used, replaced or has expired. Ask for a new one.', [
    { field: 'token', message: 'is not valid' },
  ]);

export const clientLoginDecider: Decider<ClientLoginCommand, ClientLoginState, ClientLoginEvent> = {
  initialState: () => ({
    clientId: '',
    accountId: '',
    hasPassword: false,
    passwordHash: null,
    access: 'none',
    signInEmail: null,
    invitation: null,
    reset: null,
    emailChange: null,
    epoch: 0,
  }),

  decide(command, state) {
    const ids = { clientId: state.clientId, accountId: state.accountId };
    switch (command.type) {
      case 'IssueInvitation':
        // A client who already set a password has a login (and a sign-in address): never a second one.
        if (state.access === 'removed' || state.hasPassword) return [];
        return [
          {
            type: 'ClientInvitationIssued',
            data: {
              clientId: command.clientId,
              accountId: command.accountId,
              tokenId: command.tokenId,
              email: command.email,
              expiresAt: new Date(Date.parse(command.now) + INVITATION_TTL_MS).toISOString(),
              issuedAt: command.now,
              reason: command.reason,
            },
          },
        ];
      case 'AcceptInvitation': {
        const invitation = state.invitation;
        if (state.access !== 'invited' || !invitation || invitation.tokenId !== command.tokenId || invitation.expiresAt <= command.now) throw invalidToken();
        // The login goes to the address the link was sent to, never to another one.
        if (!sameAddress(invitation.email, command.email)) throw invalidToken();
        return [
          {
            type: 'ClientInvitationAccepted',
            data: {
              ...ids,
              tokenId: command.tokenId,
              email: invitation.email,
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
      case 'RequestEmailChange':
        // Only a client who signs in has a sign-in address to move; an invited one gets a new invitation instead.
        if (!state.hasPassword || state.access === 'removed' || !state.signInEmail) return [];
        if (sameAddress(state.signInEmail, command.email)) {
          return state.emailChange ? [{ type: 'ClientEmailChangeCancelled', data: { ...ids, tokenId: state.emailChange.tokenId, cancelledAt: command.now } }] : [];
        }
        if (state.emailChange && sameAddress(state.emailChange.email, command.email) && state.emailChange.expiresAt > command.now) return [];
        return [
          {
            type: 'ClientEmailChangeRequested',
            data: {
              ...ids,
              tokenId: command.tokenId,
              email: command.email,
              previousEmail: state.signInEmail,
              expiresAt: new Date(Date.parse(command.now) + EMAIL_CHANGE_TTL_MS).toISOString(),
              requestedAt: command.now,
            },
          },
          { type: 'ClientEmailChangeNoticeSent', data: { ...ids, email: state.signInEmail, sentAt: command.now } },
        ];
      case 'ConfirmEmailChange': {
        const change = state.emailChange;
        if (state.access === 'removed' || !change || change.tokenId !== command.tokenId || change.expiresAt <= command.now || !state.signInEmail) throw invalidToken();
        return [
          {
            type: 'ClientSignInEmailChanged',
            data: { ...ids, tokenId: change.tokenId, email: change.email, previousEmail: state.signInEmail, changedAt: command.now },
          },
        ];
      }
      case 'SignOut':
        if (state.access === 'none' || state.access === 'removed') return [];
        return [{ type: 'ClientSignedOut', data: { ...ids, signedOutAt: command.now } }];
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
          // An invitation recorded before links were bound to an address has none, and cannot be accepted.
          invitation: { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt, email: event.data.email ?? '' },
        };
      case 'ClientInvitationAccepted':
        return { ...state, access: 'active', hasPassword: true, passwordHash: event.data.passwordHash, signInEmail: event.data.email, invitation: null };
      case 'ClientPasswordResetIssued':
        return { ...state, reset: { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt } };
      case 'ClientPasswordChanged':
        return { ...state, passwordHash: event.data.passwordHash, reset: null, epoch: state.epoch + 1 };
      case 'ClientAccessRevoked':
        return { ...state, access: 'revoked', invitation: null, reset: null, emailChange: null, epoch: state.epoch + 1 };
      case 'ClientAccessRestored':
        return { ...state, access: 'active' };
      case 'ClientLoginRemoved':
        return { ...state, access: 'removed', passwordHash: null, invitation: null, reset: null, emailChange: null, epoch: state.epoch + 1 };
      case 'ClientEmailChangeRequested':
        return { ...state, emailChange: { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt, email: event.data.email } };
      case 'ClientSignInEmailChanged':
        // A reset link went to the old address: it must not open the login that now signs in elsewhere.
        return { ...state, signInEmail: event.data.email, emailChange: null, reset: null };
      case 'ClientSignedOut':
        return { ...state, epoch: state.epoch + 1 };
      case 'ClientEmailChangeCancelled':
        return { ...state, emailChange: null };
      default:
        return state;
    }
  },
};
