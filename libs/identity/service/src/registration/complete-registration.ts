import { accountDecider, PendingRegistration, staffMemberDecider } from '@clientele/identity/domain';
import { handleCommand } from '@clientele/platform/application';
import type { EventMetadata, EventStore, GlobalPosition } from '@clientele/platform/event-store';
import { accountStream, staffStream } from '../streams';

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
      { type: 'OpenAccount', accountId, businessName, seatLimit, ownerId: registration.staffMember.userId, now },
      { commandId: `open-account:${accountId}`, metadata },
    );
    last = opened.position;
  }
  const member = registration.staffMember;
  const registered = await handleCommand(
    events,
    staffStream(member.userId),
    staffMemberDecider,
    { type: 'RegisterStaffMember', ...member, now },
    { commandId: `register-staff:${member.userId}`, metadata },
  );
  return max(last, registered.position);
}

function max(a: GlobalPosition | null, b: GlobalPosition | null): GlobalPosition | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
