import { commandIdFor, commandMetadata, waitForProjections } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Money, ProgramView, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { PROGRAMS, ProgramDoc, toProgramView } from '../../read-models/documents';
import { SCHEDULING } from '../../scheduling.deps';
import { programNotFound, type Scheduling } from '../../scheduling';

export interface CreateBundleRequest {
  clientId: string;
  name: string;
  sessions: number;
  price?: Money;
  productId?: string;
  expiresAt?: string;
}

/** A bundle of sessions sold to a client ("New bundle"). */
@Controller()
export class CreateBundleMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.createBundle)
  async create(@Payload() envelope: RequestEnvelope<CreateBundleRequest>): Promise<ProgramView> {
    const actor = requireStaff(envelope.actor);
    const data = envelope.data;
    await this.scheduling.visibleClient(actor, data.clientId, envelope.correlationId);
    const bundleId = randomUUID();
    const result = await this.scheduling.programs(
      data.clientId,
      {
        type: 'CreateBundle',
        bundleId,
        clientId: data.clientId,
        accountId: actor.accountId,
        name: data.name,
        sessions: data.sessions,
        price: data.price ?? { amount: 0, currency: 'EUR' },
        productId: data.productId ?? null,
        expiresAt: data.expiresAt ?? null,
        metadata: { actorId: actor.id, now: new Date().toISOString() },
      },
      commandIdFor(envelope, (key) => `bundle:${data.clientId}:${actor.id}:${key}`, `bundle:${bundleId}`),
      commandMetadata(envelope, actor),
    );
    const created = result.events.find((e) => e.type === 'BundleCreated');
    if (!created) throw new Error('no bundle was recorded');
    await waitForProjections(result.position, this.scheduling.views);
    const doc = await this.scheduling.deps.documents.collection<ProgramDoc>(PROGRAMS).get(created.data.bundleId);
    if (!doc) throw programNotFound();
    return toProgramView(doc, new Date());
  }
}
