import { MeasurementsSubjects, type MeasurementUnitsView } from '@clientele/clients/contracts';
import { measurementUnitsDecider } from '@clientele/clients/domain';
import { commandMetadata, handleCommand } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { measurementUnitsStream } from '../../progress';

/**
 * An admin chooses the account's units. Stored values are metric, so nothing is rewritten: every
 * measurement reads in the new units at once, and forms take the new units from then on.
 */
@Controller()
export class SetMeasurementUnitsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(MeasurementsSubjects.setMeasurementUnits)
  async set(@Payload() envelope: RequestEnvelope<{ units: unknown }>): Promise<MeasurementUnitsView> {
    const admin = requireAdmin(envelope.actor);
    const { state } = await handleCommand(
      this.context.deps.events,
      measurementUnitsStream(admin.accountId),
      measurementUnitsDecider,
      { type: 'SetMeasurementUnits', accountId: admin.accountId, units: envelope.data.units, actorId: admin.id, now: new Date().toISOString() },
      { commandId: randomUUID(), metadata: commandMetadata(envelope, admin) },
      { maxRetries: 10 },
    );
    return { units: state.units };
  }
}
