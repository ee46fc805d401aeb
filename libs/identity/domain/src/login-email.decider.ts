import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';
import type { Capability, StaffRole } from './capabilities';

/**
 * A sign-in e-mail belongs to one person across Clientele. The claim (`loginemail-<hash of the
 * lower-cased address>`) is the commit point of a registration: appending `LoginEmailClaimed` with
 * `no_stream` lets exactly one of two racing requests win, in one process or many. The claim
 * carries what is needed to finish the registration, so a crash right after it is completed by a
 * processor instead of leaving an address taken by nobody.
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

export type LoginEmailEvent = {
  type: 'LoginEmailClaimed';
  data: { userId: string; accountId: string; claimedAt: string; registration: PendingRegistration };
};

export type LoginEmailCommand = { type: 'ClaimLoginEmail'; email: string; registration: PendingRegistration; now: string };

export interface LoginEmailState {
  claimedBy: string | null;
}

export const loginEmailDecider: Decider<LoginEmailCommand, LoginEmailState, LoginEmailEvent> = {
  initialState: () => ({ claimedBy: null }),
  decide(command, state) {
    const { userId, accountId } = command.registration.staffMember;
    if (state.claimedBy === userId) return [];
    if (state.claimedBy !== null) {
      throw new AppError(ErrorCodes.emailTaken, `${command.email} is already used to sign in; choose another e-mail address.`, [
        { field: 'email', message: 'is already taken' },
      ]);
    }
    return [{ type: 'LoginEmailClaimed', data: { userId, accountId, claimedAt: command.now, registration: command.registration } }];
  },
  evolve: (state, event) => (event.type === 'LoginEmailClaimed' ? { claimedBy: event.data.userId } : state),
};

/** Sign-in e-mails compare trimmed and case-insensitively. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
