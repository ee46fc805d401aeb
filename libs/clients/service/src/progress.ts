import type { Measurement, MeasurementList, MeasurementUnits, RecordMeasurementRequest } from '@clientele/clients/contracts';
import {
  ClientMeasurementRecordedData,
  ClientState,
  MeasurementEvent,
  RecordMeasurement,
  clientExists,
  measurementDecider,
  measurementUnitsDecider,
  valuesIn,
  type ClientEvent,
} from '@clientele/clients/domain';
import { commandMetadata, entityIdFor, handleCommand, readState, waitForProjections, type ProcessorRunner } from '@clientele/platform/application';
import type { RequestActor, RequestEnvelope } from '@clientele/platform/bus';
import type { Decider } from '@clientele/platform/core';
import { canSee } from './authorization';
import { notFound, type ClientsContext } from './clients.context';
import type { ClientsProcessors } from './clients.deps';
import { MeasurementEventCodec } from './measurement-data';
import { CLIENT_MEASUREMENTS, type MeasurementDoc } from './read-models/measurements.projection';
import { clientStream } from './streams';

/** The runners progress waits on, beside the service's others (the module builds them together). */
export type ProgressProcessors = ClientsProcessors & { measurements: ProcessorRunner };

/**
 * The account's units live in the clients service, on a stream of their own
 * (`measurementunits-<accountId>`): only measurements use them, and measurements are the
 * roster's (events of the client's stream), so recording one never has to ask another service.
 */
export const measurementUnitsStream = (accountId: string) => `measurementunits-${accountId}`;

/** The most recent measurements a list answers (oldest of them first): years of weekly check-ins. */
export const MAX_LISTED_MEASUREMENTS = 1000;

export async function accountUnits(context: ClientsContext, accountId: string): Promise<MeasurementUnits> {
  return (await readState(context.deps.events, measurementUnitsStream(accountId), measurementUnitsDecider)).state.units;
}

/**
 * Records a measurement on the client's stream, in the account's units, and answers it once the
 * measurements read model has it. Staff may record for a client they may change (an admin, the
 * assigned coach; anyone else reads it as missing); a client only for themselves. With an
 * Idempotency-Key, a retry answers the same measurement and records nothing again.
 */
export async function recordMeasurement(
  context: ClientsContext,
  processors: ProgressProcessors,
  envelope: RequestEnvelope<RecordMeasurementRequest>,
  clientId: string,
  by: { actor: RequestActor; role: 'staff' | 'client' },
): Promise<Measurement> {
  const { actor, role } = by;
  const units = await accountUnits(context, actor.accountId);
  const measurementId = entityIdFor(envelope, (key) => ['measurement', actor.accountId, actor.id, clientId, key]);
  const command: RecordMeasurement = {
    type: 'RecordMeasurement',
    measurementId,
    values: envelope.data.values,
    measuredAt: envelope.data.measuredAt,
    units,
    by: { id: actor.id, role },
    now: new Date().toISOString(),
  };
  const decider: Decider<RecordMeasurement, ClientState, ClientEvent | MeasurementEvent> = {
    ...measurementDecider,
    decide: (cmd, state) => {
      if (clientExists(state) && (state.accountId !== actor.accountId || (role === 'staff' && !canSee(actor, state)))) throw notFound();
      return measurementDecider.decide(cmd, state);
    },
  };
  const result = await handleCommand(
    context.deps.events,
    clientStream(clientId),
    decider,
    command,
    { commandId: `measurement:${measurementId}`, metadata: commandMetadata(envelope, actor) },
    { codec: new MeasurementEventCodec(context.codec, context.cipher), maxRetries: 10 },
  );
  await waitForProjections(result.position, processors.measurements);
  const recorded = result.events.find((event): event is MeasurementEvent => event.type === 'ClientMeasurementRecorded');
  // A retry of a measurement whose client was deleted since: its values are gone with the key.
  if (!recorded || recorded.data.values === null) throw notFound();
  return toMeasurement(recorded.data, units);
}

/** The client's measurements, oldest first, in the account's units. */
export async function listMeasurements(context: ClientsContext, clientId: string, accountId: string): Promise<MeasurementList> {
  const [units, newestFirst] = await Promise.all([
    accountUnits(context, accountId),
    context.deps.documents
      .collection<MeasurementDoc>(CLIENT_MEASUREMENTS)
      .find({ clientId, accountId }, { sort: [['measuredAt', -1], ['revision', -1]], limit: MAX_LISTED_MEASUREMENTS }),
  ]);
  return { items: newestFirst.reverse().map((doc) => toMeasurement({ ...doc, measurementId: doc.id }, units)), units };
}

function toMeasurement(data: Omit<ClientMeasurementRecordedData, 'accountId'>, units: MeasurementUnits): Measurement {
  const { measurementId, clientId, measuredAt, values, recordedAt, recordedBy, recordedByRole } = data;
  return { id: measurementId, clientId, measuredAt, values: valuesIn(values, units), recordedAt, recordedBy, recordedByRole };
}
