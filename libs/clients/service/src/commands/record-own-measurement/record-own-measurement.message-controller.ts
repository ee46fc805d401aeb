import { MeasurementsSubjects, type Measurement, type RecordMeasurementRequest } from '@clientele/clients/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT, CLIENTS_PROCESSORS } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { recordMeasurement, type ProgressProcessors } from '../../progress';
import { requireClient } from '../../queries/get-own-profile/own-profile';

/** A full-access client records their own measurement (the token says who they are; offline clients are refused). */
@Controller()
export class RecordOwnMeasurementMessageController {
  constructor(
    @Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext,
    @Inject(CLIENTS_PROCESSORS) private readonly processors: ProgressProcessors,
  ) {}

  @MessagePattern(MeasurementsSubjects.recordOwnMeasurement)
  record(@Payload() envelope: RequestEnvelope<RecordMeasurementRequest>): Promise<Measurement> {
    const client = requireClient(envelope.actor);
    return recordMeasurement(this.context, this.processors, envelope, client.id, { actor: client, role: 'client' });
  }
}
