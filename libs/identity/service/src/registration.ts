import { accountDecider, loginEmailDecider, PendingRegistration, staffMemberDecider } from '@clientele/identity/domain';
import { handleCommand, latestPosition } from '@clientele/platform/application';
import type { EventMetadata, EventStore, GlobalPosition } from '@clientele/platform/event-store';
import { accountStream, loginEmailStream, staffStream } from './streams';

/**
 * A sign-up or a new staff member: the new member's address is claimed in the sign-in registry
 * (the commit point: `email_taken` when it already signs in anywhere), then the registration is
 * completed. Returns the last position written, for the request to wait for its read models.
 */
export async function register(events: EventStore, registration: PendingRegistration, metadata: EventMetadata, now: string): Promise<GlobalPosition | null> {
  const { userId, email } = registration.staffMember;
  await handleCommand(events, loginEmailStream(email), loginEmailDecider, { type: 'ClaimLoginEmail', email, registration, metadata: { now } }, { commandId: `claim-login:${userId}`, metadata });
  return completeRegistration(events, registration, metadata, now);
}

/**
 * Creates what a claimed registration describes: the account (for a sign-up) and the staff
 * member. Called by the request right after its claim, and by the completion processor for every
 * claim; both issue the same commands with the same ids, so whichever comes second changes nothing.
 */
export async function completeRegistration(
  events: EventStore,
  registration: PendingRegistration,
  metadata: EventMetadata,
  now: string,
): Promise<GlobalPosition | null> {
  let last: GlobalPosition | null = null;
  if (registration.account) {
    const { accountId, businessName, seatLimit } = registration.account;
    const opened = await handleCommand(
      events,
      accountStream(accountId),
      accountDecider,
      { type: 'OpenAccount', accountId, businessName, seatLimit, ownerId: registration.staffMember.userId, metadata: { now } },
      { commandId: `open-account:${accountId}`, metadata },
    );
    last = opened.position;
  }
  const member = registration.staffMember;
  const registered = await handleCommand(
    events,
    staffStream(member.userId),
    staffMemberDecider,
    { type: 'RegisterStaffMember', ...member, metadata: { now } },
    { commandId: `register-staff:${member.userId}`, metadata },
  );
  return latestPosition(last, registered.position);
}
