import type { RequestActor } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';

export function requireStaff(actor: RequestActor | undefined): RequestActor {
  if (!actor) throw new AppError(ErrorCodes.unauthorized, 'Sign in first.');
  if (actor.role !== 'admin' && actor.role !== 'coach') throw new AppError(ErrorCodes.forbidden, 'Only staff of the business can do this.');
  return actor;
}

export function requireCapability(actor: RequestActor, capability: string): void {
  if (actor.role === 'admin') return;
  if (!actor.capabilities.includes(capability)) {
    throw new AppError(ErrorCodes.forbidden, `This needs the ${capability} capability; ask an administrator of the business.`);
  }
}

/** A coach sees the clients assigned to them; an admin sees the whole account. Anything else reads as missing. */
export function canSee(actor: RequestActor, client: { accountId: string; coachId: string }): boolean {
  if (client.accountId !== actor.accountId) return false;
  return actor.role === 'admin' || client.coachId === actor.id;
}
