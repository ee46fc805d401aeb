import type { MeasurementValues } from '@clientele/clients/contracts';
import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, IndexSpec, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { MeasurementEventCodec, StoredMeasurementRecorded } from '../measurement-data';

/** Each measurement of each client, one document a measurement, for GET /clients/:id/measurements (oldest first). */
export const CLIENT_MEASUREMENTS = 'client_measurements';

export interface MeasurementDoc {
  id: string;
  clientId: string;
  accountId: string;
  measuredAt: string;
  /** Metric, opened with the client's key: the read model is a plaintext view, gone with the client. */
  values: MeasurementValues;
  recordedAt: string;
  recordedBy: string;
  recordedByRole: 'staff' | 'client';
  /** The measurement's place in the client's stream: orders two measurements of the same moment. */
  revision: number;
  [key: string]: unknown;
}

export const CLIENT_MEASUREMENT_INDEXES: IndexSpec[] = [{ fields: [['clientId', 1], ['measuredAt', 1], ['revision', 1]] }];

/** Measurements a deleted client's cleanup reads at a time. */
const MEASUREMENTS_PER_READ = 500;

/**
 * `client_measurements`, from the clients' streams. Every write carries the stream revision, so
 * applying an event again changes nothing; ClientDeleted deletes the client's measurements (their
 * values are personal data), leaving tombstones that a replayed measurement cannot overwrite.
 */
export class MeasurementsProjection implements EventProcessor {
  readonly name = 'clients_measurements';
  readonly filter = { streamCategories: ['client'], eventTypes: ['ClientMeasurementRecorded', 'ClientDeleted'] };

  constructor(
    private readonly documents: DocumentStore,
    private readonly codec: MeasurementEventCodec,
  ) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const version = recorded.revision;
    if (recorded.type === 'ClientDeleted') return this.deleteMeasurements(recorded.data.clientId as string, version);
    if (recorded.type !== 'ClientMeasurementRecorded') return [];
    const measurement = await this.codec.open(recorded.data as unknown as StoredMeasurementRecorded);
    // Sealed with a key shredded since (a replay after the deletion): the deletion's tombstones hold.
    if (measurement.values === null) return [];
    const { measurementId, clientId, accountId, measuredAt, values, recordedAt, recordedBy, recordedByRole } = measurement;
    const doc: MeasurementDoc = { id: measurementId, clientId, accountId, measuredAt, values, recordedAt, recordedBy, recordedByRole, revision: version };
    return [{ op: 'upsert', collection: CLIENT_MEASUREMENTS, doc, version }];
  }

  private async deleteMeasurements(clientId: string, version: number): Promise<WriteOp[]> {
    const measurements = this.documents.collection<MeasurementDoc>(CLIENT_MEASUREMENTS);
    const ops: WriteOp[] = [];
    for (let skip = 0; ; skip += MEASUREMENTS_PER_READ) {
      const page = await measurements.find({ clientId }, { sort: [['revision', 1]], skip, limit: MEASUREMENTS_PER_READ });
      for (const doc of page) ops.push({ op: 'delete', collection: CLIENT_MEASUREMENTS, id: doc.id, version });
      if (page.length < MEASUREMENTS_PER_READ) return ops;
    }
  }
}
