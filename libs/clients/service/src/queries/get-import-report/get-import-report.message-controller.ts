import { ClientsSubjects, ImportReportPage, ImportReportRequest } from '@clientele/clients/contracts';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { ImportReports } from '../../read-models/import-reports';

/**
 * A page of an import's full report (the gateway streams it as CSV). Only the one who ran the
 * import and the account's admins read it; anyone else, like an unknown or expired import, gets
 * not_found.
 */
@Controller()
export class GetImportReportMessageController {
  private readonly reports: ImportReports;

  constructor(@Inject(CLIENTS_CONTEXT) context: ClientsContext) {
    this.reports = new ImportReports(context.deps.documents);
  }

  @MessagePattern(ClientsSubjects.getImportReport)
  async getImportReport(@Payload() envelope: RequestEnvelope<ImportReportRequest>): Promise<ImportReportPage> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'import_clients', 'read an import report');
    const { importId, afterChunk } = envelope.data;
    const page = typeof importId === 'string' && Number.isSafeInteger(afterChunk) ? await this.reports.page(actor, importId, afterChunk) : null;
    if (!page) throw new AppError(ErrorCodes.notFound, 'No report for this import: it refused no row, is older than 7 days, or is not yours.');
    return page;
  }
}
