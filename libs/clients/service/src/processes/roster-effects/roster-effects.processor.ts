import { RosterEvent } from '@clientele/clients/domain';
import { EventProcessor, domainEvent, metadataCausedBy } from '@clientele/platform/application';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { ClientsContext } from '../../clients.context';
import { completeEnrolment } from '../../enrolment/enrolment';
import { completeRemoval } from '../../enrolment/removal';

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
        await completeEnrolment(this.context, event.data, metadata);
        return [];
      case 'ClientPromoted':
        await this.context.changeClient(event.data.clientId, null, { type: 'Activate', metadata: { now: new Date().toISOString() } }, `activate:${recorded.id}`, metadata);
        return [];
      case 'ClientRemoved':
        await completeRemoval(this.context, event.data.clientId, metadata, recorded.metadata.actor?.id ?? 'system');
        return [];
      default:
        return [];
    }
  }
}
