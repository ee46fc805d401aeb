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
  | { type: 'IssueInvitation'; clientId: string; accountId: string; tokenId: string; email: string; reason: InvitationReason; metadata: { now: string } }
  | { type: 'AcceptInvitation'; tokenId: string; email: string; firstName: string; lastName: string; passwordHash: string; metadata: { now: string } }
  | { type: 'SendLoginLink'; metadata: { now: string } }
  | { type: 'IssuePasswordReset'; tokenId: string; metadata: { now: string } }
  | { type: 'ResetPassword'; tokenId: string; passwordHash: string; metadata: { now: string } }
  | { type: 'RevokeAccess'; reason: 'offline' | 'deleted'; metadata: { now: string } }
  | { type: 'RestoreAccess'; metadata: { now: string } }
  | { type: 'RemoveLogin'; metadata: { now: string } }
  | { type: 'RequestEmailChange'; tokenId: string; email: string; metadata: { now: string } }
  | { type: 'ConfirmEmailChange'; tokenId: string; metadata: { now: string } }
  | { type: 'SignOut'; metadata: { now: string } };

type ClientLoginCommandOf<Type extends ClientLoginCommand['type']> = Extract<ClientLoginCommand, { type: Type }>;

export interface PendingToken {
  tokenId: string;
  expiresAt: string;
}

/** A link sent to an address: only that address's owner can use it. */
export interface AddressedToken extends PendingToken {
  email: string;
}

/** A client's login from their first invitation on. */
export interface ClientLogin {
  clientId: string;
  accountId: string;
  /** Has set a password (accepted an invitation): leaving offline then restores access. */
  hasPassword: boolean;
  /** The address this client signs in with, once they accepted; '' once erased. */
  signInEmail: string | null;
  invitation: AddressedToken | null;
  reset: PendingToken | null;
  emailChange: AddressedToken | null;
  /** Bumped at every revocation and password change: tokens issued before stop working. */
  epoch: number;
}

/**
 * `none` before the first invitation; `invited` until the client accepts; `active` while they may
 * sign in; `revoked` while they are offline; `removed` once they are deleted.
 */
export type ClientLoginStatus = 'invited' | 'active' | 'revoked' | 'removed';
export type ClientLoginState = { status: 'none' } | ({ status: ClientLoginStatus } & ClientLogin);

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const RESET_TTL_MS = 3600 * 1000;
export const EMAIL_CHANGE_TTL_MS = 7 * 24 * 3600 * 1000;

const sameAddress = (a: string | null | undefined, b: string | null | undefined) =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

const invalidToken = () =>
  new AppError(ErrorCodes.validationFailed, 'This link is not valid any more: it was used, replaced or has expired. Ask for a new one.', [
    { field: 'token', message: 'is not valid' },
  ]);

const idsOf = (login: ClientLogin) => ({ clientId: login.clientId, accountId: login.accountId });

const after = (now: string, ms: number) => new Date(Date.parse(now) + ms).toISOString();

export const issueInvitation = (command: ClientLoginCommandOf<'IssueInvitation'>, state: ClientLoginState): ClientLoginEvent[] => {
  // A client who already set a password has a login (and a sign-in address): never a second one.
  if (state.status === 'removed' || (state.status !== 'none' && state.hasPassword)) return [];
  const { now } = command.metadata;
  return [
    {
      type: 'ClientInvitationIssued',
      data: {
        clientId: command.clientId,
        accountId: command.accountId,
        tokenId: command.tokenId,
        email: command.email,
        expiresAt: after(now, INVITATION_TTL_MS),
        issuedAt: now,
        reason: command.reason,
      },
    },
  ];
};

export const acceptInvitation = (command: ClientLoginCommandOf<'AcceptInvitation'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status !== 'invited') throw invalidToken();
  const { invitation } = state;
  const { now } = command.metadata;
  if (!invitation || invitation.tokenId !== command.tokenId || invitation.expiresAt <= now) throw invalidToken();
  // The login goes to the address the link was sent to, never to another one.
  if (!sameAddress(invitation.email, command.email)) throw invalidToken();
  return [
    {
      type: 'ClientInvitationAccepted',
      data: {
        ...idsOf(state),
        tokenId: command.tokenId,
        email: invitation.email,
        firstName: command.firstName,
        lastName: command.lastName,
        passwordHash: command.passwordHash,
        acceptedAt: now,
      },
    },
  ];
};

export const sendLoginLink = (command: ClientLoginCommandOf<'SendLoginLink'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status !== 'active') return [];
  return [{ type: 'ClientLoginLinkSent', data: { ...idsOf(state), sentAt: command.metadata.now } }];
};

export const issuePasswordReset = (command: ClientLoginCommandOf<'IssuePasswordReset'>, state: ClientLoginState): ClientLoginEvent[] => {
  // Only a client who can sign in gets a reset; anyone else silently gets nothing.
  if (state.status !== 'active') return [];
  const { now } = command.metadata;
  return [{ type: 'ClientPasswordResetIssued', data: { ...idsOf(state), tokenId: command.tokenId, expiresAt: after(now, RESET_TTL_MS), issuedAt: now } }];
};

export const resetPassword = (command: ClientLoginCommandOf<'ResetPassword'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status !== 'active') throw invalidToken();
  const { reset } = state;
  const { now } = command.metadata;
  if (!reset || reset.tokenId !== command.tokenId || reset.expiresAt <= now) throw invalidToken();
  return [{ type: 'ClientPasswordChanged', data: { ...idsOf(state), tokenId: command.tokenId, passwordHash: command.passwordHash, changedAt: now } }];
};

export const revokeAccess = (command: ClientLoginCommandOf<'RevokeAccess'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status !== 'invited' && state.status !== 'active') return [];
  return [{ type: 'ClientAccessRevoked', data: { ...idsOf(state), reason: command.reason, revokedAt: command.metadata.now } }];
};

export const restoreAccess = (command: ClientLoginCommandOf<'RestoreAccess'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status !== 'revoked' || !state.hasPassword) return [];
  return [{ type: 'ClientAccessRestored', data: { ...idsOf(state), restoredAt: command.metadata.now } }];
};

export const removeLogin = (command: ClientLoginCommandOf<'RemoveLogin'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status === 'none' || state.status === 'removed') return [];
  return [{ type: 'ClientLoginRemoved', data: { ...idsOf(state), removedAt: command.metadata.now } }];
};

export const requestEmailChange = (command: ClientLoginCommandOf<'RequestEmailChange'>, state: ClientLoginState): ClientLoginEvent[] => {
  // Only a client who signs in has a sign-in address to move; an invited one gets a new invitation instead.
  if (state.status === 'none' || state.status === 'removed' || !state.hasPassword || !state.signInEmail) return [];
  const { now } = command.metadata;
  const ids = idsOf(state);
  if (sameAddress(state.signInEmail, command.email)) {
    return state.emailChange ? [{ type: 'ClientEmailChangeCancelled', data: { ...ids, tokenId: state.emailChange.tokenId, cancelledAt: now } }] : [];
  }
  if (state.emailChange && sameAddress(state.emailChange.email, command.email) && state.emailChange.expiresAt > now) return [];
  return [
    {
      type: 'ClientEmailChangeRequested',
      data: {
        ...ids,
        tokenId: command.tokenId,
        email: command.email,
        previousEmail: state.signInEmail,
        expiresAt: after(now, EMAIL_CHANGE_TTL_MS),
        requestedAt: now,
      },
    },
    { type: 'ClientEmailChangeNoticeSent', data: { ...ids, email: state.signInEmail, sentAt: now } },
  ];
};

export const confirmEmailChange = (command: ClientLoginCommandOf<'ConfirmEmailChange'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status === 'none' || state.status === 'removed') throw invalidToken();
  const change = state.emailChange;
  const { now } = command.metadata;
  if (!change || change.tokenId !== command.tokenId || change.expiresAt <= now || !state.signInEmail) throw invalidToken();
  return [
    {
      type: 'ClientSignInEmailChanged',
      data: { ...idsOf(state), tokenId: change.tokenId, email: change.email, previousEmail: state.signInEmail, changedAt: now },
    },
  ];
};

export const signOutClient = (command: ClientLoginCommandOf<'SignOut'>, state: ClientLoginState): ClientLoginEvent[] => {
  if (state.status === 'none' || state.status === 'removed') return [];
  return [{ type: 'ClientSignedOut', data: { ...idsOf(state), signedOutAt: command.metadata.now } }];
};

export const clientLoginDecider: Decider<ClientLoginCommand, ClientLoginState, ClientLoginEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'IssueInvitation':
        return issueInvitation(command, state);
      case 'AcceptInvitation':
        return acceptInvitation(command, state);
      case 'SendLoginLink':
        return sendLoginLink(command, state);
      case 'IssuePasswordReset':
        return issuePasswordReset(command, state);
      case 'ResetPassword':
        return resetPassword(command, state);
      case 'RevokeAccess':
        return revokeAccess(command, state);
      case 'RestoreAccess':
        return restoreAccess(command, state);
      case 'RemoveLogin':
        return removeLogin(command, state);
      case 'RequestEmailChange':
        return requestEmailChange(command, state);
      case 'ConfirmEmailChange':
        return confirmEmailChange(command, state);
      case 'SignOut':
        return signOutClient(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown client login command: ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    if (event.type === 'ClientInvitationIssued') {
      // An invitation recorded before links were bound to an address has none, and cannot be accepted.
      const invitation = { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt, email: event.data.email ?? '' };
      const { clientId, accountId } = event.data;
      if (state.status === 'none') {
        return { status: 'invited', clientId, accountId, hasPassword: false, signInEmail: null, invitation, reset: null, emailChange: null, epoch: 0 };
      }
      return { ...state, clientId, accountId, status: state.status === 'active' ? 'active' : 'invited', invitation };
    }
    // Every login starts with its first invitation.
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'ClientInvitationAccepted':
        return { ...state, status: 'active', hasPassword: true, signInEmail: event.data.email, invitation: null };
      case 'ClientPasswordResetIssued':
        return { ...state, reset: { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt } };
      case 'ClientPasswordChanged':
        return { ...state, reset: null, epoch: state.epoch + 1 };
      case 'ClientAccessRevoked':
        return { ...state, status: 'revoked', invitation: null, reset: null, emailChange: null, epoch: state.epoch + 1 };
      case 'ClientAccessRestored':
        return { ...state, status: 'active' };
      case 'ClientLoginRemoved':
        return { ...state, status: 'removed', invitation: null, reset: null, emailChange: null, epoch: state.epoch + 1 };
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
