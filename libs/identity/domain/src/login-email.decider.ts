import { IdentityErrors } from '@clientele/identity/contracts';
import { Decider } from '@clientele/platform/core';
import type { Capability, StaffRole } from './capabilities';

/**
 * The sign-in registry: an e-mail address signs in to at most one login in the whole of
 * Clientele, staff or client, any account (`loginemail-<hash of the lower-cased address>`).
 * Claiming is the commit point of whatever gives an address a login (a sign-up, a new staff
 * member, a client accepting an invitation or confirming a new address): appending the claim
 * with the stream's expected revision lets exactly one of two racing requests win, in one process
 * or many. Nothing is ever overwritten: an address is free again only once its holder releases it
 * (a deleted client, a removed staff member, a client who moved to another address).
 *
 * A claim carries what is needed to finish its change, so a crash right after it is completed by
 * a processor instead of leaving an address held by nobody.
 */
export interface PendingRegistration {
  account?: { accountId: string; businessName: string; seatLimit: number | null };
  staffMember: {
    userId: string;
    accountId: string;
    firstName: string;
    lastName: string;
    email: string;
    role: StaffRole;
    capabilities?: Capability[];
    passwordHash: string;
    registeredBy: string | null;
  };
}

/** A client's claim: the link (invitation or address confirmation) whose use it completes. */
export interface PendingClientSignIn {
  clientId: string;
  accountId: string;
  purpose: 'invitation' | 'email_change';
  tokenId: string;
  /**
   * Only for an invitation: the password chosen with it (its scrypt hash), sealed with the client's
   * key, so that it becomes unreadable with the rest of their personal data when they are deleted.
   */
  sealedPasswordHash?: string;
}

export type LoginEmailReleaseReason = 'client_deleted' | 'client_email_changed' | 'staff_removed' | 'claim_abandoned';

export type LoginEmailEvent =
  | {
      type: 'LoginEmailClaimed';
      data: { userId: string; accountId: string; claimedAt: string; registration?: PendingRegistration; clientSignIn?: PendingClientSignIn };
    }
  | { type: 'LoginEmailReleased'; data: { userId: string; accountId: string; reason: LoginEmailReleaseReason; releasedAt: string } };

export type LoginEmailCommand =
  | { type: 'ClaimLoginEmail'; email: string; registration: PendingRegistration; metadata: { now: string } }
  | { type: 'ClaimLoginEmailForClient'; email: string; clientSignIn: PendingClientSignIn; metadata: { now: string } }
  | { type: 'ReleaseLoginEmail'; userId: string; reason: LoginEmailReleaseReason; metadata: { now: string } };

type LoginEmailCommandOf<Type extends LoginEmailCommand['type']> = Extract<LoginEmailCommand, { type: Type }>;

export type LoginEmailState = { status: 'free' } | { status: 'claimed'; userId: string; accountId: string };

/** Who signs in with the address now (null: nobody). */
export const holderOf = (state: LoginEmailState): string | null => (state.status === 'claimed' ? state.userId : null);

export const claimLoginEmail = (command: LoginEmailCommandOf<'ClaimLoginEmail'>, state: LoginEmailState): LoginEmailEvent[] => {
  const { userId, accountId } = command.registration.staffMember;
  if (holderOf(state) === userId) return [];
  if (state.status === 'claimed') throw IdentityErrors.emailTaken(command.email);
  return [{ type: 'LoginEmailClaimed', data: { userId, accountId, claimedAt: command.metadata.now, registration: command.registration } }];
};

export const claimLoginEmailForClient = (command: LoginEmailCommandOf<'ClaimLoginEmailForClient'>, state: LoginEmailState): LoginEmailEvent[] => {
  const { clientId, accountId } = command.clientSignIn;
  if (holderOf(state) === clientId) return [];
  if (state.status === 'claimed') throw IdentityErrors.emailTaken(command.email);
  return [{ type: 'LoginEmailClaimed', data: { userId: clientId, accountId, claimedAt: command.metadata.now, clientSignIn: command.clientSignIn } }];
};

export const releaseLoginEmail = (command: LoginEmailCommandOf<'ReleaseLoginEmail'>, state: LoginEmailState): LoginEmailEvent[] => {
  // Only the holder's own release counts: a late release never frees the next holder's claim.
  if (state.status !== 'claimed' || state.userId !== command.userId) return [];
  return [{ type: 'LoginEmailReleased', data: { userId: command.userId, accountId: state.accountId, reason: command.reason, releasedAt: command.metadata.now } }];
};

export const loginEmailDecider: Decider<LoginEmailCommand, LoginEmailState, LoginEmailEvent> = {
  initialState: () => ({ status: 'free' }),
  decide(command, state) {
    switch (command.type) {
      case 'ClaimLoginEmail':
        return claimLoginEmail(command, state);
      case 'ClaimLoginEmailForClient':
        return claimLoginEmailForClient(command, state);
      case 'ReleaseLoginEmail':
        return releaseLoginEmail(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown login e-mail command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'LoginEmailClaimed':
        return { status: 'claimed', userId: event.data.userId, accountId: event.data.accountId };
      case 'LoginEmailReleased':
        return { status: 'free' };
      default:
        return state;
    }
  },
};

/** Sign-in e-mails compare trimmed and case-insensitively. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
