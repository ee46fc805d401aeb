/**
 * What other services may know of identity: request/reply subjects and their payloads, the
 * integration events it publishes, and the claims of the access tokens it signs.
 */
export const IdentitySubjects = {
  openAccount: 'identity.cmd.open-account',
  login: 'identity.cmd.login',
  addStaffMember: 'identity.cmd.add-staff-member',
  updateAccount: 'identity.cmd.update-account',
  listStaff: 'identity.query.list-staff',
  getAccount: 'identity.query.get-account',
  getStaffMember: 'identity.query.get-staff-member',
  health: 'identity.query.health',
} as const;

export const IdentityEvents = {
  accountOpened: 'identity.account.opened.v1',
  seatLimitChanged: 'identity.account.seat-limit-changed.v1',
} as const;

export type StaffRole = 'admin' | 'coach';
export type Role = StaffRole | 'client';

/** Claims of an access token. The gateway takes the actor and the account from these only. */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  acc: string;
  caps: string[];
}

export const ACCESS_TOKEN_TTL_SECONDS = 3600;

export interface OpenAccountRequest {
  businessName: string;
  owner: { firstName: string; lastName: string; email: string; password: string };
  seatLimit?: number | null;
}

export interface OpenAccountResult {
  accountId: string;
  ownerId: string;
}

export interface LoginRequest {
  email: string;
  password: string;
}

export interface UserView {
  id: string;
  role: Role;
  accountId: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface LoginResult {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: UserView;
}

export interface AddStaffMemberRequest {
  firstName: string;
  lastName: string;
  email: string;
  password: string;
  role: StaffRole;
  capabilities?: string[];
}

export interface StaffMemberView {
  id: string;
  accountId: string;
  firstName: string;
  lastName: string;
  email: string;
  role: StaffRole;
  capabilities: string[];
  createdAt: string;
}

export interface ListStaffRequest {
  page: number;
  pageSize: number;
}

export type { Page } from '@clientele/platform/core';

export interface UpdateAccountRequest {
  seatLimit: number | null;
}

export interface AccountView {
  id: string;
  businessName: string;
  seatLimit: number | null;
  ownerId: string;
  createdAt: string;
  /** Revision of the account stream: seat limits from two sources are ordered by it. */
  version: number;
}

export interface GetStaffMemberRequest {
  userId: string;
}

/** identity.account.opened.v1 and identity.account.seat-limit-changed.v1 */
export interface SeatLimitEventData {
  accountId: string;
  seatLimit: number | null;
  version: number;
}
