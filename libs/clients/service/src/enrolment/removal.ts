import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { EventMetadata, GlobalPosition } from '@clientele/platform/event-store';
import type { ClientsContext } from '../clients.context';

/**
 * The second step of deleting a client, after the roster removed them: ends the client's stream
 * and shreds its key, so that from then on no copy of its events can be read. The request does it
 * right away, the roster-effects processor again after a crash in between (same command id).
 */
export async function completeRemoval(context: ClientsContext, clientId: string, metadata: EventMetadata, actorId: string): Promise<GlobalPosition | null> {
  let position = null;
  try {
    const result = await context.changeClient(clientId, null, { type: 'DeleteClient', metadata: { actorId, now: new Date().toISOString() } }, `delete:${clientId}`, metadata);
    position = result.position;
  } catch (error) {
    if (!(error instanceof AppError && error.code === ErrorCodes.notFound)) throw error;
  }
  await context.cipher.shred(clientId);
  return position;
}
