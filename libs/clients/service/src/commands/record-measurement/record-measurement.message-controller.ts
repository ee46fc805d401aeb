import { MeasurementsSubjects, type Measurement, type RecordMeasurementRequest } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT, CLIENTS_PROCESSORS } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { recordMeasurement, type ProgressProcessors } from '../../progress';

/** The coach (or an admin) records a client's measurement: values in the account's units, sealed in the client's stream. */
@Controller()
export class RecordMeasurementMessageController {
  constructor(
    @Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext,
    @Inject(CLIENTS_PROCESSORS) private readonly processors: ProgressProcessors,
  ) {}

  @MessagePattern(MeasurementsSubjects.recordMeasurement)
  record(@Payload() envelope: RequestEnvelope<RecordMeasurementRequest & { clientId: string }>): Promise<Measurement> {
    const actor = requireStaff(envelope.actor);
    return recordMeasurement(this.context, this.processors, envelope, envelope.data.clientId, { actor, role: 'staff' });
  }
}
