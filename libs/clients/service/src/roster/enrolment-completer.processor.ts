import { RosterEvent, clientDecider } from '@clientele/clients/domain';
import { EventProcessor, handleCommand, domainEvent } from '@clientele/platform/application';
import type { EventStore, RecordedEvent } from '@clientele/platform/event-store';
import { clientStream } from '../streams';

/**
 * Finishes every enrolment: the client's own stream gets its ClientAdded. The request does this
 * itself right after enrolling; this processor covers a crash in between (same command id, so
 * whichever comes second changes nothing).
 */
export class EnrolmentCompleter implements EventProcessor {
  readonly name = 'clients_enrolments';
  readonly filter = { streamCategories: ['roster'], eventTypes: ['ClientEnrolled'] };

  constructor(private readonly events: EventStore) {}

  async handle(recorded: RecordedEvent): Promise<[]> {
    const event = domainEvent<RosterEvent>(recorded);
    if (event.type !== 'ClientEnrolled') return [];
    await handleCommand(
      this.events,
      clientStream(event.data.clientId),
      clientDecider,
      { type: 'AddClient', client: event.data.client },
      { commandId: `add-client:${event.data.clientId}`, metadata: { ...recorded.metadata, causationId: recorded.id } },
    );
    return [];
  }
}
