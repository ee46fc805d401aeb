import { IdentityErrors } from '@clientele/identity/contracts';
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
  /** `tokenId`: the reset link it was chosen with (absent: changed with the current password). */
  | { type: 'StaffPasswordChanged'; data: { userId: string; accountId: string; passwordHash: string; changedAt: string; tokenId?: string } }
  | { type: 'StaffMemberRemoved'; data: { userId: string; accountId: string; email: string; removedBy: string; removedAt: string } }
  /** An admin changed the member's role or capabilities: their tokens (which carry the old ones) stop working. */
  | {
      type: 'StaffMemberAccessChanged';
      data: {
        userId: string;
        accountId: string;
        role: StaffRole;
        capabilities: Capability[];
        previousRole: StaffRole;
        previousCapabilities: Capability[];
        changedBy: string;
        changedAt: string;
      };
    }
  /** A single-use link to choose a new password, e-mailed to the member (asked by them or sent by an admin). */
  | {
      type: 'StaffPasswordResetIssued';
      data: { userId: string; accountId: string; tokenId: string; expiresAt: string; issuedAt: string; requestedBy: string | null };
    };

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
  | { type: 'RemoveStaffMember'; metadata: { actorId: string; now: string } }
  | {
      type: 'ChangeStaffAccess';
      /** Absent: unchanged. */
      role?: StaffRole;
      /** Absent: unchanged for a coach who stays one, create_clients for a new coach; admins always have all. */
      capabilities?: Capability[];
      /** Whether the member owns the business (the account knows): the owner stays an admin. */
      isOwner: boolean;
      metadata: { actorId: string; now: string };
    }
  /** `requestedBy`: the admin who sent it; null when the member asked for it themselves. */
  | { type: 'IssueStaffPasswordReset'; tokenId: string; metadata: { requestedBy: string | null; now: string } }
  | { type: 'ResetStaffPassword'; tokenId: string; passwordHash: string; metadata: { now: string } };

type StaffMemberCommandOf<Type extends StaffMemberCommand['type']> = Extract<StaffMemberCommand, { type: Type }>;

interface StaffMember {
  userId: string;
  accountId: string;
  email: string;
  epoch: number;
  role: StaffRole;
  capabilities: Capability[];
  /** The reset link that works now, if any: one at a time, used once. */
  reset: { tokenId: string; expiresAt: string } | null;
}

export type StaffMemberState = { status: 'none' } | ({ status: 'active' | 'removed' } & StaffMember);

export const STAFF_RESET_TTL_MS = 3600 * 1000;

const notFound = () => new AppError(ErrorCodes.notFound, 'There is no such staff member in this business.');

const invalidResetLink = () =>
  new AppError(ErrorCodes.validationFailed, 'This reset link is not valid any more: it was used, replaced or has expired. Ask for a new one.', [
    { field: 'token', message: 'is not valid' },
  ]);

const sameCapabilities = (a: readonly Capability[], b: readonly Capability[]) => a.length === b.length && a.every((c) => b.includes(c));

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

export const changeStaffAccess = (command: StaffMemberCommandOf<'ChangeStaffAccess'>, state: StaffMemberState): StaffMemberEvent[] => {
  if (state.status !== 'active') throw notFound();
  const role = command.role ?? state.role;
  if (role !== state.role && command.isOwner) throw IdentityErrors.ownerRoleFixed();
  if (role !== state.role && command.metadata.actorId === state.userId) throw IdentityErrors.ownRoleFixed();
  // A coach who stays one keeps what they have unless told otherwise; one who becomes a coach starts with the default.
  const requested = command.capabilities ?? (role === state.role ? state.capabilities : undefined);
  const capabilities = capabilitiesFor(role, requested);
  if (role === state.role && sameCapabilities(capabilities, state.capabilities)) return [];
  return [
    {
      type: 'StaffMemberAccessChanged',
      data: {
        userId: state.userId,
        accountId: state.accountId,
        role,
        capabilities,
        previousRole: state.role,
        previousCapabilities: state.capabilities,
        changedBy: command.metadata.actorId,
        changedAt: command.metadata.now,
      },
    },
  ];
};

export const issueStaffPasswordReset = (command: StaffMemberCommandOf<'IssueStaffPasswordReset'>, state: StaffMemberState): StaffMemberEvent[] => {
  // Asked for by the member at the sign-in page: a removed member silently gets nothing (the caller refuses one for an admin).
  if (state.status !== 'active') return [];
  const { now, requestedBy } = command.metadata;
  const expiresAt = new Date(Date.parse(now) + STAFF_RESET_TTL_MS).toISOString();
  return [{ type: 'StaffPasswordResetIssued', data: { userId: state.userId, accountId: state.accountId, tokenId: command.tokenId, expiresAt, issuedAt: now, requestedBy } }];
};

export const resetStaffPassword = (command: StaffMemberCommandOf<'ResetStaffPassword'>, state: StaffMemberState): StaffMemberEvent[] => {
  if (state.status !== 'active') throw invalidResetLink();
  const { reset } = state;
  const { now } = command.metadata;
  if (!reset || reset.tokenId !== command.tokenId || reset.expiresAt <= now) throw invalidResetLink();
  return [
    { type: 'StaffPasswordChanged', data: { userId: state.userId, accountId: state.accountId, passwordHash: command.passwordHash, changedAt: now, tokenId: command.tokenId } },
  ];
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
      case 'ChangeStaffAccess':
        return changeStaffAccess(command, state);
      case 'IssueStaffPasswordReset':
        return issueStaffPasswordReset(command, state);
      case 'ResetStaffPassword':
        return resetStaffPassword(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown staff member command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'StaffMemberRegistered': {
        const { userId, accountId, email, role, capabilities } = event.data;
        return { status: 'active', userId, accountId, email, epoch: 0, role, capabilities, reset: null };
      }
      case 'StaffMemberSignedOut':
        return state.status === 'none' ? state : { ...state, epoch: state.epoch + 1 };
      case 'StaffPasswordChanged':
        // Any new password ends the reset link too: it was for the password that is gone.
        return state.status === 'none' ? state : { ...state, epoch: state.epoch + 1, reset: null };
      case 'StaffMemberAccessChanged':
        return state.status === 'none' ? state : { ...state, role: event.data.role, capabilities: event.data.capabilities, epoch: state.epoch + 1 };
      case 'StaffPasswordResetIssued':
        return state.status === 'none' ? state : { ...state, reset: { tokenId: event.data.tokenId, expiresAt: event.data.expiresAt } };
      case 'StaffMemberRemoved':
        return state.status === 'none' ? state : { ...state, status: 'removed', epoch: state.epoch + 1, reset: null };
      default:
        return state;
    }
  },
};
