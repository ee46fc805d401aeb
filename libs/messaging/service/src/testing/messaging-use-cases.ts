import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import { AppError, ErrorCodes, type ClientType } from '@clientele/platform/core';
import { UseCaseHarness, staffActor } from '@clientele/platform/testing';
import type { RequestActor } from '@clientele/platform/bus';
import type { Messaging } from '../messaging';
import { MESSAGING } from '../messaging.deps';
import { MessagingModule } from '../messaging.module';

/**
 * The messaging service alone on the embedded adapters, with a stand-in of the clients service's
 * roster (`clients.query.get-contact`): the clients it holds are those the test puts in `roster`.
 */
export async function startMessaging(): Promise<{ messaging: UseCaseHarness; roster: Map<string, ClientContactView> }> {
  const messaging = await UseCaseHarness.start({
    module: (adapters) => MessagingModule.register(adapters),
    readModels: (app) => [app.get<Messaging>(MESSAGING).views],
  });
  const roster = new Map<string, ClientContactView>();
  messaging.respond<{ clientId: string }>(ClientsSubjects.getContact, ({ data }) => {
    const contact = roster.get(data.clientId);
    if (!contact) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    return contact;
  });
  return { messaging, roster };
}

export const coach = staffActor('coach', 'coach-1', 'a1');
export const clientActor = (clientId = 'c1'): RequestActor => ({ id: clientId, role: 'client', accountId: 'a1', capabilities: [] });

/** Client c1 of coach-1 on the roster, of the given type. */
export const contact = (type: ClientType, clientId = 'c1', coachId = 'coach-1'): ClientContactView => ({
  clientId,
  accountId: 'a1',
  coachId,
  firstName: 'Mo',
  lastName: 'Farah',
  email: 'mo@example.com',
  type,
  status: 'active',
  appAccess: 'active',
  version: 1,
});
