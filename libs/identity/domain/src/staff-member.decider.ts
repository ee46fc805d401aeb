import { Decider } from '@clientele/platform/core';
import { Capability, StaffRole, capabilitiesFor } from './capabilities';

/** A person who works in an account and signs in to the back office (`staff-<id>`). */
export type StaffMemberEvent = {
  type: 'StaffMemberRegistered';
  data: {
    userId: string;
    accountId: string;
    firstName: string;
    lastName: string;
    email: string;
    role: StaffRole;
    capabilities: Capability[];
    /** scrypt hash with its parameters; the password itself is never stored or logged. */
    passwordHash: string;
    registeredAt: string;
    registeredBy: string | null;
  };
};

export type StaffMemberCommand = {
  type: 'RegisterStaffMember';
  userId: string;
  accountId: string;
  firstName: string;
  lastName: string;
  email: string;
  role: StaffRole;
  capabilities?: Capability[];
  passwordHash: string;
  registeredBy: string | null;
  now: string;
};

export interface StaffMemberState {
  exists: boolean;
}

export const staffMemberDecider: Decider<StaffMemberCommand, StaffMemberState, StaffMemberEvent> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    // Registering the same person again (a retried request, or the completion processor) changes nothing.
    if (state.exists) return [];
    return [
      {
        type: 'StaffMemberRegistered',
        data: {
          userId: command.userId,
          accountId: command.accountId,
          firstName: command.firstName.trim(),
          lastName: command.lastName.trim(),
          email: command.email.trim(),
          role: command.role,
          capabilities: capabilitiesFor(command.role, command.capabilities),
          passwordHash: command.passwordHash,
          registeredAt: command.now,
          registeredBy: command.registeredBy,
        },
      },
    ];
  },
  evolve: (state, event) => (event.type === 'StaffMemberRegistered' ? { exists: true } : state),
};
