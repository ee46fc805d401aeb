export * from './errors';

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
  acceptInvitation: 'identity.cmd.accept-invitation',
  requestPasswordReset: 'identity.cmd.request-password-reset',
  confirmPasswordReset: 'identity.cmd.confirm-password-reset',
  /** A client proves control of the new address a coach gave them: it becomes their sign-in. */
  confirmEmail: 'identity.cmd.confirm-email',
  /** Public: what an invitation link can still do (its page asks before showing the password form). */
  invitationStatus: 'identity.query.invitation-status',
  /** Ends every access token of the caller (staff or client). */
  signOut: 'identity.cmd.sign-out',
  removeStaffMember: 'identity.cmd.remove-staff-member',
  changeStaffPassword: 'identity.cmd.change-staff-password',
  /** Internal: is this staff token still good (member not removed, no sign-out or password change since)? */
  checkStaffSession: 'identity.query.check-staff-session',
  /** Internal: is this client's token still good (access active, not revoked since)? */
  checkClientSession: 'identity.query.check-client-session',
  /** Internal: what notifications needs to write a mail (the link, the business name). */
  mailEnvelope: 'identity.query.mail-envelope',
  /** Internal: does an address sign in to a login (other than `except`'s), in any account? */
  addressSignsIn: 'identity.query.address-signs-in',
  health: 'identity.query.health',
  /** An admin changes a staff member's role and capabilities. */
  changeStaffAccess: 'identity.cmd.change-staff-access',
  /** An admin e-mails a staff member a single-use link to choose a new password. */
  sendStaffPasswordReset: 'identity.cmd.send-staff-password-reset',
  /** A staff member sets a new password from their reset link, and is signed in. */
  confirmStaffPasswordReset: 'identity.cmd.confirm-staff-password-reset',
  /** Internal: what notifications needs to write a mail to a staff member (address, name, link, business). */
  staffMailEnvelope: 'identity.query.staff-mail-envelope',
} as const;

export const IdentityEvents = {
  accountOpened: 'identity.account.opened.v1',
  seatLimitChanged: 'identity.account.seat-limit-changed.v1',
  /** A mail to a client (invitation, login details, reset, access restored); no secret in it. */
  mailRequested: 'identity.client-access.mail-requested.v1',
  /** A client set their password: their login works. */
  clientAccessActivated: 'identity.client-access.activated.v1',
  /** A mail to a staff member (a password reset link); no secret in it. */
  staffMailRequested: 'identity.staff.mail-requested.v1',
} as const;

export type MailKind =
  | 'invitation'
  | 'login_details'
  | 'password_reset'
  | 'access_restored'
  | 'new_message'
  /** To a client's new address: the link that makes it their sign-in. */
  | 'email_change_confirmation'
  /** To a client's current sign-in address: someone asked to move it elsewhere. */
  | 'email_change_notice';

/** `open`: the link sets a password; `used`: the client already chose one and signs in; `invalid`: replaced, expired or not a link. */
export type InvitationLinkStatus = 'open' | 'used' | 'invalid';

export interface InvitationStatusResult {
  status: InvitationLinkStatus;
}

export interface MailRequestedEventData {
  mailId: string;
  kind: MailKind;
  clientId: string;
  accountId: string;
  tokenId?: string;
}

export interface MailEnvelope {
  businessName: string;
  /** The link the mail carries (sign-in, invitation or reset page). */
  link: string;
  /**
   * Where the mail must go when it carries a link bound to an address (the address the invitation
   * or the address change recorded, the client's sign-in address for their login's mails). Absent:
   * the client's contact address. Empty: nowhere (the address was erased).
   */
  to?: string;
}

export type StaffRole = 'admin' | 'coach';
export type Role = StaffRole | 'client';

/** Claims of an access token. The gateway takes the actor and the account from these only. */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  acc: string;
  caps: string[];
  /** The access epoch the token was issued in; a revocation, sign-out, removal or password change ends it. */
  ver?: number;
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
  /**
   * Staff only: what they may do (docs/api.md's capabilities; an admin has them all), as their
   * token carries them, so that the web app offers only what the API will allow. Absent for clients.
   */
  capabilities?: string[];
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

/** Each field is optional: what is absent stays as it is (older callers send `seatLimit` alone). */
export interface UpdateAccountRequest {
  seatLimit?: number | null;
  businessName?: string;
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

export interface ChangeStaffPasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface ConfirmEmailResult {
  /** The address the client signs in with from now on. */
  email: string;
}

/** identity.query.address-signs-in: asked before an address is given to a client, so a refusal comes at once. */
export interface AddressSignsInRequest {
  email: string;
  /** The login whose own address this may be (a client's id): it does not count. */
  except?: string;
}

export interface AddressSignsInResult {
  signsIn: boolean;
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

/** identity.client-access.activated.v1: a client set their password. */
export interface ClientAccessActivatedEventData {
  clientId: string;
  accountId: string;
}

/** The identity service's integration events: subject to data. */
export type IdentityIntegrationEvents = {
  [IdentityEvents.accountOpened]: SeatLimitEventData;
  [IdentityEvents.seatLimitChanged]: SeatLimitEventData;
  [IdentityEvents.mailRequested]: MailRequestedEventData;
  [IdentityEvents.clientAccessActivated]: ClientAccessActivatedEventData;
  [IdentityEvents.staffMailRequested]: StaffMailRequestedEventData;
};

/** An admin changes a member's role and capabilities; what is absent stays (capabilities of a new coach: create_clients). */
export interface ChangeStaffAccessRequest {
  userId: string;
  role?: StaffRole;
  capabilities?: string[];
}

/** identity.staff.mail-requested.v1: a mail to a staff member (today only `password_reset`). */
export interface StaffMailRequestedEventData {
  mailId: string;
  kind: MailKind;
  userId: string;
  accountId: string;
  tokenId?: string;
}

/** What notifications needs to write a staff mail; `to` empty: nowhere (the member was removed). */
export interface StaffMailEnvelope {
  businessName: string;
  firstName: string;
  to: string;
  link: string;
}
