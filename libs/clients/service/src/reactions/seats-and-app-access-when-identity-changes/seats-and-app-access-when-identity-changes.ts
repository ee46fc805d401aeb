import { IdentityEvents, type IdentityIntegrationEvents } from '@clientele/identity/contracts';
import { reactionMetadata, reactionsTo, type Reaction } from '@clientele/platform/application';
import { durableName } from '@clientele/platform/bus';
import type { ClientsContext } from '../../clients.context';

/**
 * The durable consumer `clients--identity`: an account's seat limit (when it opens and when it
 * changes) goes to its roster, and a client who set their password is marked as using the app.
 */
export function seatsAndAppAccessWhenIdentityChanges(context: ClientsContext): Reaction {
  return reactionsTo<IdentityIntegrationEvents>()(
    {
      durableName: durableName('clients', 'identity'),
      sourceService: 'identity',
      subjects: [IdentityEvents.accountOpened, IdentityEvents.seatLimitChanged, IdentityEvents.clientAccessActivated],
    },
    async (event) => {
      if (event.subject === IdentityEvents.clientAccessActivated) {
        const { clientId } = event.data;
        await context
          .changeClient(clientId, null, { type: 'MarkAppAccessActive', metadata: { now: new Date().toISOString() } }, event.id, reactionMetadata(event, { actor: { id: clientId, role: 'client' } }))
          .catch((error) => {
            // A client deleted meanwhile: nothing to mark.
            if ((error as { code?: string }).code !== 'not_found') throw error;
          });
        return;
      }
      await context.recordSeatLimit(event.data, event.metadata.correlationId);
    },
  );
}
