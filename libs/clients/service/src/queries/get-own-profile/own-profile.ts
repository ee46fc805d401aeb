import type { OwnProfile } from '@clientele/clients/contracts';
import { clientExists } from '@clientele/clients/domain';
import type { RequestActor } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { notFound, type ClientsContext } from '../../clients.context';

/** What the client app shows of the client: also the answer to a change of their own profile. */
export async function readOwnProfile(context: ClientsContext, clientId: string): Promise<OwnProfile> {
  const state = await context.loadClient(clientId);
  if (!clientExists(state)) throw notFound();
  return { id: state.clientId, ...state.contact, type: state.type };
}

/** Only a client reads or edits their own profile. */
export function requireClient(actor: RequestActor | undefined): RequestActor {
  if (!actor || actor.role !== 'client') throw new AppError(ErrorCodes.forbidden, 'This is the client app’s own profile.');
  return actor;
}
