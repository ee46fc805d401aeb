import type { RequestActor } from '@clientele/platform/bus';

/** A coach sees the clients assigned to them; an admin sees the whole account. Anything else reads as missing. */
export function canSee(actor: RequestActor, client: { accountId: string; coachId: string }): boolean {
  if (client.accountId !== actor.accountId) return false;
  return actor.role === 'admin' || client.coachId === actor.id;
}
