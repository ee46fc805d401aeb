import type { RequestActor } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';

export function requireClient(actor: RequestActor | undefined): RequestActor {
  if (!actor || actor.role !== 'client') throw new AppError(ErrorCodes.forbidden, 'This is the client app’s own thread.');
  return actor;
}
