import type { RequestActor } from '@clientele/platform/bus';

/** A coach sees the clients assigned to them; an admin sees the whole account. Anything else reads as missing. */
export function canSee(actor: RequestActor, client: { accountId: string; coachId: string }): boolean {
  if (client.accountId !== actor.accountId) return false;
  return actor.role === 'admin' || client.coachId === actor.id;
}

/**
 * Reading a client (profile, history, purchases): who may change it (above), and also a coach of
 * the account who has a session with the client (the seed: "coaches only see their clients
 * (assignment or existing session)"). Changing the client stays with the assigned coach and admins.
 */
export async function canRead(
  actor: RequestActor,
  client: { id: string; accountId: string; coachId: string },
  links: { linked(actor: RequestActor, clientId: string): Promise<boolean> },
): Promise<boolean> {
  if (canSee(actor, client)) return true;
  return client.accountId === actor.accountId && (await links.linked(actor, client.id));
}
