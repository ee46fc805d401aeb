import { EventCodec, domainEvent } from '@clientele/platform/application';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import { PersonalDataCipher, isSealed } from '@clientele/platform/privacy';
import type { CalendarEvent } from '@clientele/scheduling/domain';

/**
 * Where a session takes place (a client's home address, a meeting link) is the client's personal
 * data: it is stored sealed with the client's key, and once the client is deleted (the key
 * shredded) it reads as null in every copy of the events. Events recorded before sealing hold it
 * in clear and are read as they are.
 */
export class CalendarCodec implements EventCodec<CalendarEvent> {
  constructor(readonly cipher: PersonalDataCipher) {}

  async encode(event: CalendarEvent): Promise<EventData> {
    if ((event.type === 'SessionScheduled' || event.type === 'SessionRescheduled') && event.data.location !== null) {
      return { ...event.data, location: await this.cipher.seal(event.data.clientId, { location: event.data.location }) };
    }
    return { ...event.data };
  }

  async decode(recorded: RecordedEvent): Promise<CalendarEvent> {
    const event = domainEvent<CalendarEvent>(recorded);
    if ((event.type === 'SessionScheduled' || event.type === 'SessionRescheduled') && isSealed(event.data.location)) {
      const opened = await this.cipher.open<{ location: string }>(event.data.clientId, event.data.location);
      return { ...event, data: { ...event.data, location: opened?.location ?? null } } as CalendarEvent;
    }
    return event;
  }
}
