import { commandIdFor, commandMetadata, handleAndWait, waitForProjections } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, type Page } from '@clientele/platform/core';
import { ProgramsCommand, SchedulingErrors } from '@clientele/scheduling/domain';
import { Money, ProgramView, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { PROGRAMS, ProgramDoc, toProgramView } from '../../read-models/documents';
import { SCHEDULING } from '../../scheduling.deps';
import type { Scheduling } from '../../scheduling';

export interface CreateBundleRequest {
  clientId: string;
  name: string;
  sessions: number;
  price?: Money;
  productId?: string;
  expiresAt?: string;
}

/** Programs: bundles of sessions sold to a client ("New bundle"), active or completed. */
@Controller()
export class ProgramsMessageController {
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
        createdBy: actor.id,
        now: new Date().toISOString(),
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

  /** A bundle is paid as a whole: its price, or the amount given. */
  @MessagePattern(SchedulingSubjects.recordBundlePayment)
  async recordPayment(@Payload() envelope: RequestEnvelope<{ clientId: string; programId: string; amount?: Money }>): Promise<ProgramView> {
    const { programId, amount } = envelope.data;
    return this.change(envelope, { type: 'RecordBundlePayment', bundleId: programId, amount, now: new Date().toISOString() }, `pay-bundle:${programId}`);
  }

  @MessagePattern(SchedulingSubjects.refundBundlePayment)
  async refundPayment(@Payload() envelope: RequestEnvelope<{ clientId: string; programId: string }>): Promise<ProgramView> {
    return this.change(envelope, { type: 'RefundBundlePayment', bundleId: envelope.data.programId, now: new Date().toISOString() }, `refund-bundle:${envelope.data.programId}`);
  }

  private async change(envelope: RequestEnvelope<{ clientId: string; programId: string }>, command: ProgramsCommand, idempotencyPrefix: string): Promise<ProgramView> {
    const actor = requireStaff(envelope.actor);
    const { clientId, programId } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const programs = this.scheduling.deps.documents.collection<ProgramDoc>(PROGRAMS);
    const existing = await programs.get(programId);
    if (!existing || existing.clientId !== clientId || existing.accountId !== actor.accountId) throw programNotFound();
    await handleAndWait(
      this.scheduling.programs(clientId, command, commandIdFor(envelope, (key) => `${idempotencyPrefix}:${key}`), commandMetadata(envelope, actor)),
      this.scheduling.views,
    );
    const doc = await programs.get(programId);
    if (!doc) throw programNotFound();
    return toProgramView(doc, new Date());
  }

  /** Active programs first (oldest first: the one sessions are taken from leads), then completed ones. */
  @MessagePattern(SchedulingSubjects.clientPrograms)
  async list(@Payload() envelope: RequestEnvelope<{ clientId: string; status?: ProgramView['status']; page: number; pageSize: number }>): Promise<Page<ProgramView>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, status, page, pageSize } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const now = new Date();
    const docs = await this.scheduling.deps.documents.collection<ProgramDoc>(PROGRAMS).find({ clientId, accountId: actor.accountId }, { sort: [['createdAt', 1], ['id', 1]] });
    const views = docs.map((d) => toProgramView(d, now)).filter((p) => status === undefined || p.status === status);
    const ordered = [...views.filter((p) => p.status === 'active'), ...views.filter((p) => p.status === 'completed')];
    return { items: ordered.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: ordered.length };
  }
}

function programNotFound(): AppError {
  return SchedulingErrors.clientProgramNotFound();
}
