import { ClientsSubjects, ImportReportPage } from '@clientele/clients/contracts';
import { missingCapabilitySentence, type RequestActor } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Get, Inject, Param, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import { csvCell } from './csv-export';
import { humanFieldErrors } from '../http/field-messages';

const IMPORT_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The full report of a CSV import (issue 17, finding 4): the import's answer carries the first
 * refusals only and links here. The report is streamed, a few chunks of the import at a time from
 * the clients service, so a report of any size never sits in memory.
 */
@ApiTags('Clients')
@ApiBearerAuth()
@Roles('admin', 'coach')
@Controller('api/v1/clients/imports')
export class ClientImportsController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Get(':id/report')
  @ApiOperation({
    summary:
      "Every refused row of an import, as CSV (columns row,field,message; one line per field problem), from the import answer's reportUrl. The importer's and the account admins' only (needs import_clients); anyone else, or a report older than 7 days, is 404.",
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string', example: 'row,field,message\r\n3,email,Enter an e-mail address such as name@example.com.\r\n' } })
  async report(@Param('id') importId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<StreamableFile> {
    if (actor.role !== 'admin' && !actor.capabilities.includes('import_clients')) {
      throw new AppError(ErrorCodes.forbidden, missingCapabilitySentence('import_clients', 'read an import report'));
    }
    if (!IMPORT_ID.test(importId)) throw new AppError(ErrorCodes.notFound, 'No report for this import: it refused no row, is older than 7 days, or is not yours.');
    const fetchPage = (afterChunk: number) =>
      send<ImportReportPage>(this.deps.requests, ClientsSubjects.getImportReport, { actor, correlationId, data: { importId, afterChunk } });
    // The first page is read before the answer starts: a refusal is still a problem+json answer.
    const first = await fetchPage(-1);
    return new StreamableFile(Readable.from(reportCsv(first, fetchPage)), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="import-${importId}-report.csv"`,
    });
  }
}

async function* reportCsv(first: ImportReportPage, fetchPage: (afterChunk: number) => Promise<ImportReportPage>): AsyncGenerator<string> {
  yield '\ufeffrow,field,message\r\n'; // the BOM makes Excel read the file as UTF-8
  let page = first;
  while (page.failed.length > 0) {
    yield page.failed.map(({ row, errors }) => humanFieldErrors(errors).map((e) => `${row},${csvCell(e.field)},${csvCell(e.message)}\r\n`).join('')).join('');
    page = await fetchPage(page.lastChunk);
  }
}
