import { ClientAddedData, RosterEvent } from '@clientele/clients/domain';
import { EventProcessor, domainEvent, metadataCausedBy } from '@clientele/platform/application';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { ClientsContext } from '../../clients.context';

/**
 * Carries the roster's decisions to each client's own stream: an enrolment becomes ClientAdded,
 * a promotion from the waiting list ClientActivated, a removal ClientDeleted and the shredding of
 * the client's key. Requests do the same right away; this covers a crash in between (same command
 * ids, so whichever comes second changes nothing).
 */
export class RosterEffectsProcessor implements EventProcessor {
  readonly name = 'clients_roster_effects';
  readonly filter = { streamCategories: ['roster'], eventTypes: ['ClientEnrolled', 'ClientPromoted', 'ClientRemoved'] };

  constructor(private readonly context: ClientsContext) {}

  async handle(recorded: RecordedEvent): Promise<[]> {
    const event = domainEvent<RosterEvent>(recorded);
    const metadata = metadataCausedBy(recorded);
    switch (event.type) {
      case 'ClientEnrolled':
        await completeEnrolment(this.context, event.data.client, metadata, event.data.status);
        return [];
      case 'ClientPromoted':
        await this.context.changeClient(event.data.clientId, null, { type: 'Activate', now: new Date().toISOString() }, `activate:${recorded.id}`, metadata);
        return [];
      case 'ClientRemoved':
        await completeRemoval(this.context, event.data.clientId, metadata, recorded.metadata.actor?.id ?? 'system');
        return [];
      default:
        return [];
    }
  }
}

/** Starts the client's own stream from the stored enrolment (unless the client was deleted meanwhile). */
export async function completeEnrolment(
  context: ClientsContext,
  storedClient: Record<string, unknown>,
  metadata: RecordedEvent['metadata'],
  status: 'active' | 'pending' = 'active',
) {
  const decoded = await context.codec.decode({ type: 'ClientAdded', data: storedClient } as unknown as RecordedEvent);
  // The roster decided whether the client got a seat or waits for one.
  const client = { ...(decoded.data as ClientAddedData), status };
  if ((await context.cipher.open(client.clientId, storedClient.personal as string)) === null) return null;
  return context.changeClient(client.clientId, null, { type: 'AddClient', client }, `add-client:${client.clientId}`, metadata);
}

/** Ends the client's stream and shreds its key: from then on no copy of its events can be read. */
export async function completeRemoval(context: ClientsContext, clientId: string, metadata: RecordedEvent['metadata'], actorId: string) {
  let position = null;
  try {
    const result = await context.changeClient(clientId, null, { type: 'DeleteClient', actorId, now: new Date().toISOString() }, `delete:${clientId}`, metadata);
    position = result.position;
  } catch (error) {
    if (!(error instanceof AppError && error.code === ErrorCodes.notFound)) throw error;
  }
  await context.cipher.shred(clientId);
  return position;
}
