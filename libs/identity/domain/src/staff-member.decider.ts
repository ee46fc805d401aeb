import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';
import { Capability, StaffRole, capabilitiesFor } from './capabilities';

/**
 * A person who works in an account and signs in to the back office (`staff-<id>`). Their access
 * tokens carry the access epoch they were issued in; signing out, changing the password and
 * being removed end the epoch, so every token issued before stops working on its next request.
 */
export type StaffMemberEvent =
  | {
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
    }
  | { type: 'StaffMemberSignedOut'; data: { userId: string; accountId: string; signedOutAt: string } }
  | { type: 'StaffPasswordChanged'; data: { userId: string; accountId: string; passwordHash: string; changedAt: string } }
  | { type: 'StaffMemberRemoved'; data: { userId: string; accountId: string; email: string; removedBy: string; removedAt: string } };

export type StaffMemberCommand =
  | {
      type: 'RegisterStaffMember';
      userId: string;
      accountId: string;
      firstName: string;
      lastName: string;
      email: string;
      role: StaffRole;
      capabilities?: Capability[];
      passwordHash: string;
      /** Part of the registration the address claim recorded (null for the owner who signed up), not this command's actor. */
      registeredBy: string | null;
      metadata: { now: string };
    }
  | { type: 'SignOut'; metadata: { now: string } }
  | { type: 'ChangePassword'; passwordHash: string; metadata: { now: string } }
  | { type: 'RemoveStaffMember'; metadata: { actorId: string; now: string } };

type StaffMemberCommandOf<Type extends StaffMemberCommand['type']> = Extract<StaffMemberCommand, { type: Type }>;

export type StaffMemberState =
  | { status: 'none' }
  | { status: 'active'; userId: string; accountId: string; email: string; epoch: number }
  | { status: 'removed'; userId: string; accountId: string; email: string; epoch: number };

const notFound = () => new AppError(ErrorCodes.notFound, 'There is no such staff member in this business.');

export const registerStaffMember = (command: StaffMemberCommandOf<'RegisterStaffMember'>, state: StaffMemberState): StaffMemberEvent[] => {
  // Registering the same person again (a retried request, or the completion processor) changes nothing.
  if (state.status !== 'none') return [];
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
        registeredAt: command.metadata.now,
        registeredBy: command.registeredBy,
      },
    },
  ];
};

export const signOutStaffMember = (command: StaffMemberCommandOf<'SignOut'>, state: StaffMemberState): StaffMemberEvent[] => {
  if (state.status !== 'active') return [];
  return [{ type: 'StaffMemberSignedOut', data: { userId: state.userId, accountId: state.accountId, signedOutAt: command.metadata.now } }];
};

export const changeStaffPassword = (command: StaffMemberCommandOf<'ChangePassword'>, state: StaffMemberState): StaffMemberEvent[] => {
  if (state.status !== 'active') throw notFound();
  return [{ type: 'StaffPasswordChanged', data: { userId: state.userId, accountId: state.accountId, passwordHash: command.passwordHash, changedAt: command.metadata.now } }];
};

export const removeStaffMember = (command: StaffMemberCommandOf<'RemoveStaffMember'>, state: StaffMemberState): StaffMemberEvent[] => {
  if (state.status === 'none') throw notFound();
  if (state.status === 'removed') return [];
  const { actorId: removedBy, now: removedAt } = command.metadata;
  return [{ type: 'StaffMemberRemoved', data: { userId: state.userId, accountId: state.accountId, email: state.email, removedBy, removedAt } }];
};

export const staffMemberDecider: Decider<StaffMemberCommand, StaffMemberState, StaffMemberEvent> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'RegisterStaffMember':
        return registerStaffMember(command, state);
      case 'SignOut':
        return signOutStaffMember(command, state);
      case 'ChangePassword':
        return changeStaffPassword(command, state);
      case 'RemoveStaffMember':
        return removeStaffMember(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown staff member command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'StaffMemberRegistered':
        return { status: 'active', userId: event.data.userId, accountId: event.data.accountId, email: event.data.email, epoch: 0 };
      case 'StaffMemberSignedOut':
      case 'StaffPasswordChanged':
        return state.status === 'none' ? state : { ...state, epoch: state.epoch + 1 };
      case 'StaffMemberRemoved':
        return state.status === 'none' ? state : { ...state, status: 'removed', epoch: state.epoch + 1 };
      default:
        return state;
    }
  },
};
