import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { RequestActor } from './envelope';

/** Services check the actor again behind the gateway: a request without the right one does nothing. */
export function requireStaff(actor: RequestActor | undefined): RequestActor {
  if (!actor) throw new AppError(ErrorCodes.unauthorized, 'Sign in first.');
  if (actor.role !== 'admin' && actor.role !== 'coach') throw new AppError(ErrorCodes.forbidden, 'Only staff of the business can do this.');
  return actor;
}

export function requireAdmin(actor: RequestActor | undefined): RequestActor {
  const staff = requireStaff(actor);
  if (staff.role !== 'admin') throw new AppError(ErrorCodes.forbidden, 'Only an administrator of the business can do this.');
  return staff;
}

/** Admins have every capability; coaches have those the token lists. */
export function requireCapability(actor: RequestActor, capability: string): void {
  if (actor.role === 'admin') return;
  if (!actor.capabilities.includes(capability)) {
    throw new AppError(ErrorCodes.forbidden, `This needs the ${capability} capability; ask an administrator of the business.`);
  }
}
