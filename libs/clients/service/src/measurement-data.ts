import type { MeasurementValues } from '@clientele/clients/contracts';
import type { ClientEvent, ClientMeasurementRecordedData, MeasurementEvent } from '@clientele/clients/domain';
import type { EventCodec } from '@clientele/platform/application';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import type { PersonalDataCipher } from '@clientele/platform/privacy';
import type { ClientEventCodec } from './personal-data';

/** ClientMeasurementRecorded as stored: the numbers (health data) sealed with the client's key in `personal`. */
export type StoredMeasurementRecorded = Omit<ClientMeasurementRecordedData, 'values'> & { measures: string[]; personal: string };

/**
 * The client stream's codec for measurements: a measurement's values are personal data, sealed
 * like the client's contact details, so shredding the client's key leaves only that something was
 * measured, and when (`measures` says which, never how much). Every other event of the stream is
 * the clients codec's.
 */
export class MeasurementEventCodec implements EventCodec<ClientEvent | MeasurementEvent> {
  constructor(
    private readonly clients: ClientEventCodec,
    private readonly cipher: PersonalDataCipher,
  ) {}

  async encode(event: ClientEvent | MeasurementEvent): Promise<EventData> {
    if (event.type !== 'ClientMeasurementRecorded') return this.clients.encode(event);
    const { values, ...rest } = event.data;
    const stored: StoredMeasurementRecorded = { ...rest, measures: Object.keys(values), personal: await this.cipher.seal(rest.clientId, { values }) };
    return { ...stored };
  }

  async decode(recorded: RecordedEvent): Promise<ClientEvent | MeasurementEvent> {
    if (recorded.type !== 'ClientMeasurementRecorded') return this.clients.decode(recorded);
    // Values null once erased: the decider only counts the event, and readers check for null.
    return { type: 'ClientMeasurementRecorded', data: (await this.open(recorded.data as unknown as StoredMeasurementRecorded)) as ClientMeasurementRecordedData };
  }

  /** The measurement with its values, or null values once the client's key is shredded. */
  async open(stored: StoredMeasurementRecorded): Promise<Omit<ClientMeasurementRecordedData, 'values'> & { values: MeasurementValues | null }> {
    const { personal, measures: _measures, ...data } = stored;
    const opened = typeof personal === 'string' ? await this.cipher.open<{ values: MeasurementValues }>(data.clientId, personal) : null;
    return { ...data, values: opened?.values ?? null };
  }
}
