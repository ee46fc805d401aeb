import { ClientContact, ClientEvent } from '@clientele/clients/domain';
import type { EventCodec } from '@clientele/platform/application';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import { PersonalDataCipher } from '@clientele/platform/privacy';

/** What a reader sees of a deleted client's personal data: the history stays, the person is gone. */
export const ERASED = '[erased]';

/**
 * Stores a client's events with their personal fields (names, e-mail, phone, note bodies) sealed
 * with the client's own key, and opens them again when read. Once the key is shredded the events
 * still say what happened, but not to whom.
 */
export class ClientEventCodec implements EventCodec<ClientEvent> {
  constructor(private readonly cipher: PersonalDataCipher) {}

  async encode(event: ClientEvent): Promise<EventData> {
    const clientId = event.data.clientId;
    switch (event.type) {
      case 'ClientAdded': {
        const { firstName, lastName, email, phone, ...rest } = event.data;
        return { ...rest, personal: await this.cipher.seal(clientId, { firstName, lastName, email, phone }) };
      }
      case 'ClientContactChanged': {
        const { changes, ...rest } = event.data;
        return { ...rest, fields: Object.keys(changes), personal: await this.cipher.seal(clientId, changes) };
      }
      case 'ClientNoteAdded': {
        const { body, ...rest } = event.data;
        return { ...rest, personal: await this.cipher.seal(clientId, { body }) };
      }
      default:
        return { ...event.data };
    }
  }

  async decode(recorded: RecordedEvent): Promise<ClientEvent> {
    const { personal, fields, ...data } = recorded.data as Record<string, unknown> & { personal?: string; fields?: string[] };
    if (typeof personal !== 'string') return { type: recorded.type, data } as unknown as ClientEvent;
    const opened = await this.cipher.open<Record<string, unknown>>(data.clientId as string, personal);
    switch (recorded.type) {
      case 'ClientAdded':
        return { type: 'ClientAdded', data: { ...data, ...(opened ?? { firstName: ERASED, lastName: ERASED, email: ERASED, phone: null }) } } as unknown as ClientEvent;
      case 'ClientContactChanged': {
        const erased = Object.fromEntries((fields ?? []).map((field) => [field, field === 'phone' ? null : ERASED])) as Partial<ClientContact>;
        return { type: 'ClientContactChanged', data: { ...data, changes: opened ?? erased } } as ClientEvent;
      }
      case 'ClientNoteAdded':
        return { type: 'ClientNoteAdded', data: { ...data, body: (opened?.body as string | undefined) ?? ERASED } } as ClientEvent;
      default:
        return { type: recorded.type, data: { ...data } } as unknown as ClientEvent;
    }
  }
}
