import { MeasurementsSubjects, type MeasurementList } from '@clientele/clients/contracts';
import { clientExists } from '@clientele/clients/domain';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';
import { listMeasurements } from '../../progress';
import { requireClient } from '../get-own-profile/own-profile';

/** The signed-in client's own measurements, oldest first, in their coach's units. */
@Controller()
export class ListOwnMeasurementsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(MeasurementsSubjects.listOwnMeasurements)
  async list(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<MeasurementList> {
    const client = requireClient(envelope.actor);
    if (!clientExists(await this.context.loadClient(client.id))) throw notFound();
    return listMeasurements(this.context, client.id, client.accountId);
  }
}
