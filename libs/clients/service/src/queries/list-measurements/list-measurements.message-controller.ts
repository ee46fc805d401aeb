import { MeasurementsSubjects, type MeasurementList } from '@clientele/clients/contracts';
import { clientExists } from '@clientele/clients/domain';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { canRead } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';
import { listMeasurements } from '../../progress';

/** A client's measurements for whoever may read the client (as the history: assigned coach, admin, a coach with a session). */
@Controller()
export class ListMeasurementsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(MeasurementsSubjects.listMeasurements)
  async list(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<MeasurementList> {
    const actor = requireStaff(envelope.actor);
    const { clientId } = envelope.data;
    const state = await this.context.loadClient(clientId);
    if (!clientExists(state) || !(await canRead(actor, { ...state, id: clientId }, this.context.sessionLinks))) throw notFound();
    return listMeasurements(this.context, clientId, actor.accountId);
  }
}
