import type { AccountView, StaffMemberView } from '@clientele/identity/contracts';
import type { AccountState } from '@clientele/identity/domain';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { StaffDoc } from './read-models/identity-views.projection';

/** Identity's answers in the contracts' shape: the queries' and those of the commands that answer with what they changed. */
export function toAccountView(state: AccountState, revision: number): AccountView {
  // Whoever answers with an account has refused a missing one before (the decider, the query).
  if (state.status === 'none') throw new AppError(ErrorCodes.notFound, 'This account does not exist.');
  return {
    id: state.accountId,
    businessName: state.businessName,
    seatLimit: state.seatLimit,
    ownerId: state.ownerId,
    createdAt: state.openedAt,
    version: revision,
  };
}

export function toStaffMemberView(doc: StaffDoc): StaffMemberView {
  return {
    id: doc.id,
    accountId: doc.accountId,
    firstName: doc.firstName,
    lastName: doc.lastName,
    email: doc.email,
    role: doc.role,
    capabilities: doc.capabilities,
    createdAt: doc.createdAt,
  };
}
