import { MeasurementsSubjects, type MeasurementUnitsView } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { accountUnits } from '../../progress';

/** The account's measurement units, for staff (a client reads them with their measurements). */
@Controller()
export class GetMeasurementUnitsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(MeasurementsSubjects.getMeasurementUnits)
  async get(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<MeasurementUnitsView> {
    const actor = requireStaff(envelope.actor);
    return { units: await accountUnits(this.context, actor.accountId) };
  }
}
