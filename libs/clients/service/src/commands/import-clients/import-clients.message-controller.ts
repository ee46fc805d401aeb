import { ClientsSubjects, IMPORT_MAX_CHUNK_ROWS, ImportClientsRequest, ImportClientsResult, ImportRow } from '@clientele/clients/contracts';
import { ClientAddedData, initialAppAccess, validateNewClient } from '@clientele/clients/domain';
import { commandMetadata, entityIdFor, latestPosition, waitForProjections } from '@clientele/platform/application';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ClientType, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { ImportReports } from '../../read-models/import-reports';
import { NewClient, enrolNewClients, newClient } from '../../enrolment/enrolment';

/** Rows validated between two yields to the event loop: other requests run between them (fairness, issue 17). */
const ROWS_PER_TURN = 50;
const IMPORT_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * One chunk of a CSV import (the gateway streams the file and sends its rows in chunks). Rows are
 * validated one by one; the valid ones are enrolled in one roster append, where seats and e-mail
 * uniqueness (within the file too) are decided; a bad row never stops the good ones.
 */
@Controller()
export class ImportClientsMessageController {
  private readonly reports: ImportReports;

  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {
    this.reports = new ImportReports(context.deps.documents);
  }

  @MessagePattern(ClientsSubjects.importClients)
  async importClients(@Payload() envelope: RequestEnvelope<ImportClientsRequest>): Promise<ImportClientsResult> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'import_clients');
    const { rows, importId, chunk } = envelope.data;
    // The gateway sends 200 rows a chunk; a bigger one is refused before any work (a chunk is one roster append).
    if (!Array.isArray(rows) || rows.length > IMPORT_MAX_CHUNK_ROWS) {
      throw new AppError(ErrorCodes.validationFailed, `An import chunk holds at most ${IMPORT_MAX_CHUNK_ROWS} rows.`);
    }
    if (importId !== undefined && (!IMPORT_ID.test(importId) || !Number.isSafeInteger(chunk) || (chunk as number) < 0)) {
      throw new AppError(ErrorCodes.validationFailed, 'An import chunk names its import (letters, digits and dashes) and its place in it (a whole number).');
    }
    // Expired reports go when an import starts: the sweep is small and never fails the import.
    if (importId !== undefined && chunk === 0) await this.reports.sweep().catch(() => undefined);

    const failed: ImportClientsResult['failed'] = [];
    const now = new Date().toISOString();
    const clientIdOf = (row: number) => entityIdFor(envelope, (key) => ['import', actor.accountId, key, row]);

    // Validation first, so keys are made only for rows that can become clients (a file of refused rows writes nothing but its report).
    const valid: Array<{ row: ImportRow; input: ReturnType<typeof validateNewClient> }> = [];
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % ROWS_PER_TURN === 0) await yieldToEventLoop();
      const row = rows[i];
      try {
        valid.push({
          row,
          input: validateNewClient({
            firstName: row.firstName ?? '',
            lastName: row.lastName ?? '',
            email: row.email ?? '',
            phone: row.phone,
            type: (row.type ?? '').trim() as ClientType,
            // The importer may send no login details at all; otherwise the type decides, as for an add.
            ...(envelope.data.sendInvitation === false ? { sendInvitation: false } : {}),
          }),
        });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        failed.push({ row: row.row, errors: error.errors ?? [{ field: 'row', message: error.detail }] });
      }
    }

    const candidates: Array<{ row: number; sealed: NewClient }> = [];
    const clientIds = new Map(valid.map(({ row }) => [row.row, clientIdOf(row.row)]));
    if (clientIds.size) await this.context.cipher.prepareKeys([...clientIds.values()]);
    for (const { row, input } of valid) {
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
      candidates.push({ row: row.row, sealed: await newClient(this.context, client, 'refuse') });
    }

    const metadata = commandMetadata(envelope, actor);
    const enrolments = candidates.length
      ? await enrolNewClients(this.context, actor.accountId, candidates.map((c) => c.sealed), `import:${candidates[0].sealed.client.clientId}`, metadata)
      : [];
    let created = 0;
    enrolments.forEach(({ plan }, index) => {
      if (plan.refusal) failed.push({ row: candidates[index].row, errors: plan.refusal.errors ?? [{ field: 'row', message: plan.refusal.detail }] });
      else created++;
    });
    await waitForProjections(latestPosition(...enrolments.map((e) => e.added?.position)), this.context.views);
    failed.sort((a, b) => a.row - b.row);
    if (importId !== undefined && failed.length) await this.reports.record(actor, importId, chunk as number, failed);
    return { created, failed };
  }
}
