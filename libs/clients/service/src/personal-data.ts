import { ClientAddedData, ClientContact, ClientEvent } from '@clientele/clients/domain';
import type { EventCodec } from '@clientele/platform/application';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import { PersonalDataCipher } from '@clientele/platform/privacy';

/** What a reader sees of a deleted client's personal data: the history stays, the person is gone. */
export const ERASED = '[erased]';

/** ClientAdded's data as stored: the personal fields sealed in `personal`. */
export type StoredClientAdded = Omit<ClientAddedData, keyof ClientContact> & { personal: string };

/**
 * A new client, its personal data sealed once: the roster's enrolment carries `stored`, and the
 * client's own stream starts from `client` with the same sealed value (`startingWith`).
 */
export interface SealedNewClient {
  client: ClientAddedData;
  stored: StoredClientAdded;
}

type ContactFields = Pick<ClientContact, keyof ClientContact>;

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
      case 'ClientAdded':
        return (await this.sealNewClient(event.data)).stored;
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

  /** Seals a new client's personal data, once for both the roster and the client's stream. */
  async sealNewClient(client: ClientAddedData): Promise<SealedNewClient> {
    const { contact, rest } = splitContact(client);
    return { client, stored: { ...rest, personal: await this.cipher.seal(client.clientId, contact) } };
  }

  /**
   * Opens a new client's data as the roster's enrolment stored it; null once the client's key is
   * shredded (the client was deleted meanwhile).
   */
  async openNewClient(enrolled: Record<string, unknown>): Promise<SealedNewClient | null> {
    // The roster keeps it opaque; it is what `sealNewClient` made.
    const stored = enrolled as StoredClientAdded;
    const { personal, ...data } = stored;
    const contact = await this.cipher.open<ContactFields>(stored.clientId, personal);
    return contact && { client: { ...data, ...contact }, stored };
  }

  /**
   * This codec for starting the stream of a client sealed already: its ClientAdded is stored with
   * the personal data as sealed then, not sealed a second time.
   */
  startingWith(sealed: SealedNewClient): EventCodec<ClientEvent> {
    return {
      decode: (recorded) => this.decode(recorded),
      encode: async (event) =>
        event.type === 'ClientAdded' && event.data.clientId === sealed.client.clientId
          ? { ...splitContact(event.data).rest, personal: sealed.stored.personal }
          : this.encode(event),
    };
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
      // A measurement's numbers (measurement-data.ts seals them); `measures` says which were taken, even once erased.
      case 'ClientMeasurementRecorded':
        return { type: recorded.type, data: { ...data, values: opened?.values ?? ERASED } } as unknown as ClientEvent;
      default:
        return { type: recorded.type, data: { ...data } } as unknown as ClientEvent;
    }
  }
}

/** A new client's personal fields (sealed when stored) and the rest of its data. */
function splitContact({ firstName, lastName, email, phone, ...rest }: ClientAddedData): { contact: ContactFields; rest: Omit<ClientAddedData, keyof ClientContact> } {
  return { contact: { firstName, lastName, email, phone }, rest };
}
