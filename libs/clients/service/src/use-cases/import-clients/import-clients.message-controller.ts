import { ClientsSubjects, ImportClientsRequest, ImportClientsResult } from '@clientele/clients/contracts';
import { ClientAddedData, EnrolmentRequest, initialAppAccess, validateNewClient } from '@clientele/clients/domain';
import { deterministicId, mapConcurrently } from '@clientele/platform/application';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ClientType } from '@clientele/platform/core';
import type { GlobalPosition } from '@clientele/platform/event-store';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { completeEnrolment } from '../../roster/roster-effects.processor';

/**
 * One chunk of a CSV import (the gateway streams the file and sends its rows in chunks). Rows are
 * validated one by one; the valid ones are enrolled in one roster append, where seats and e-mail
 * uniqueness (within the file too) are decided; a bad row never stops the good ones.
 */
@Controller()
export class ImportClientsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.importClients)
  async importClients(@Payload() envelope: RequestEnvelope<ImportClientsRequest>): Promise<ImportClientsResult> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'import_clients');
    const failed: ImportClientsResult['failed'] = [];
    const candidates: Array<{ row: number; request: EnrolmentRequest; stored: Record<string, unknown> }> = [];
    const now = new Date().toISOString();
    const clientIdOf = (row: number) => (envelope.idempotencyKey ? deterministicId('import', actor.accountId, envelope.idempotencyKey, row) : randomUUID());
    const clientIds = new Map(envelope.data.rows.map((row) => [row.row, clientIdOf(row.row)]));
    await this.context.cipher.prepareKeys([...clientIds.values()]);

    for (const row of envelope.data.rows) {
      try {
        const input = validateNewClient({
          firstName: row.firstName ?? '',
          lastName: row.lastName ?? '',
          email: row.email ?? '',
          phone: row.phone,
          type: (row.type ?? '').trim() as ClientType,
        });
        const clientId = clientIds.get(row.row)!;
        const client: ClientAddedData = {
          clientId,
          accountId: actor.accountId,
          ...input,
          status: 'active',
          coachId: actor.id,
          source: { kind: 'import' },
          appAccess: initialAppAccess(input.type, input.sendInvitation),
          addedAt: now,
          addedBy: actor.id,
        };
        const stored = await this.context.codec.encode({ type: 'ClientAdded', data: client });
        candidates.push({
          row: row.row,
          stored,
          request: { clientId, emailKey: await this.context.emailKey(actor.accountId, input.email), whenFull: 'refuse', client: stored },
        });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        failed.push({ row: row.row, errors: error.errors ?? [{ field: 'row', message: error.detail }] });
      }
    }

    const metadata = { correlationId: envelope.correlationId, actor: { id: actor.id, role: actor.role }, accountId: actor.accountId };
    const plans = candidates.length
      ? await this.context.enroll(actor.accountId, candidates.map((c) => c.request), `import:${candidates[0].request.clientId}`, metadata)
      : [];
    let created = 0;
    let last: GlobalPosition | null = null;
    await mapConcurrently(plans, 16, async (plan, index) => {
      const candidate = candidates[index];
      if (plan.refusal) {
        failed.push({ row: candidate.row, errors: plan.refusal.errors ?? [{ field: 'row', message: plan.refusal.detail }] });
        return;
      }
      const added = await completeEnrolment(this.context, candidate.stored, metadata);
      if (added?.position != null && (last === null || added.position > last)) last = added.position;
      created++;
    });
    await this.context.waitForViews(last);
    return { created, failed: failed.sort((a, b) => a.row - b.row) };
  }
}
