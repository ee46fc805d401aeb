import {
  BulkChangeTypeResult,
  ClientProfile,
  ClientSummary,
  ClientsSubjects,
  HistoryEntry,
  Note,
} from '@clientele/clients/contracts';
import { missingCapabilitySentence, type RequestActor } from '@clientele/platform/bus';
import { AppError, ErrorCodes, type Page } from '@clientele/platform/core';
import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import { PageQuery } from '../http/pagination';
import { AddClientBody, ClientFiltersQuery, ClientListAnswer, ClientProfileAnswer, ListClientsQuery, RecentClientsQuery } from './clients.dto';
import {
  AddNoteBody,
  BulkChangeTypeAnswer,
  BulkChangeTypeBody,
  ChangeContactBody,
  ChangeTypeBody,
  ImportAnswer,
  NoteAnswer,
  NotePageAnswer,
  ReassignBody,
} from './clients-roster.dto';
import { csvExport } from './csv-export';
import { IMPORT_INLINE_REFUSALS, IMPORT_LIMITS, ImportSlots, dropRest, importChoices, importCsv, type ImportAnswer as ImportAnswerBody, type ImportChoices } from './csv-import';

/** Rows per page the export reads from the clients service. */
const EXPORT_PAGE_SIZE = 500;

@ApiTags('Clients')
@ApiBearerAuth()
@Roles('admin', 'coach')
@Controller('api/v1/clients')
export class ClientsController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a client with a client type (needs create_clients).' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: ClientProfileAnswer })
  async add(
    @Body() body: AddClientBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientProfile> {
    const profile = await send<ClientProfile>(this.deps.requests, ClientsSubjects.addClient, {
      actor,
      correlationId,
      idempotencyKey: idempotencyKey(key),
      data: body,
    });
    void reply.header('location', `/api/v1/clients/${profile.id}`).header('etag', etag(profile.version));
    return profile;
  }

  @Get()
  @ApiOperation({ summary: 'Coaches see the clients assigned to them and those they have a session with (coachId=<me>: assigned only); admins see the whole account.' })
  @ApiOkResponse({ type: ClientListAnswer })
  list(@Query() query: ListClientsQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string) {
    const { search, type, status, coachId, sort, page, pageSize } = query;
    return send(this.deps.requests, ClientsSubjects.listClients, { actor, correlationId, data: { search, type, status, coachId, sort, page, pageSize } });
  }

  @Get('recent')
  @ApiOperation({ summary: 'The newest clients, for the coach home.' })
  recent(@Query() query: RecentClientsQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<{ items: ClientSummary[] }> {
    return send(this.deps.requests, ClientsSubjects.recentClients, { actor, correlationId, data: { limit: query.limit } });
  }

  @Post('bulk/type')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change client type for up to 500 clients; dryRun reports what would happen.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ type: BulkChangeTypeAnswer })
  async bulkChangeType(
    @Body() body: BulkChangeTypeBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<BulkChangeTypeResult> {
    return send<BulkChangeTypeResult>(this.deps.requests, ClientsSubjects.bulkChangeType, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: body }, { timeoutMs: 120_000 });
  }

  /** One import at a time per account, a few per process, the others wait their turn (issue 17: an import must not starve other tenants). */
  private readonly importSlots = new ImportSlots();

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: `Import clients from CSV (header firstName,lastName,email,phone,type in any order and under their usual names: "First name", "first_name", "Email address", "E-mail", "Phone number", "Client type", any case and spacing; other columns are ignored and listed in ignoredColumns; needs import_clients). Query: type (the client type of rows without one; the type column may then be left out) and sendInvitation (false: no login details to anyone; default true: to the full-access rows, never to offline ones). Rows are spreadsheet rows: the header is row 1, a blank line is a row. A file holds ${IMPORT_LIMITS} (413 payload_too_large beyond, nothing imported). The answer lists the first ${IMPORT_INLINE_REFUSALS} refused rows, failedCount and, when a row was refused, reportUrl: the full report as CSV. One import runs at a time per account, the next ones wait their turn (at most 2 waiting; more answers 429 rate_limited with Retry-After).`,
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'firstName,lastName,email,phone,type\nAda,Lovelace,ada@example.com,,full_access' } })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiQuery({ name: 'type', required: false, enum: ['full_access', 'full_access_one_way', 'offline'] })
  @ApiQuery({ name: 'sendInvitation', required: false, enum: ['true', 'false'] })
  @ApiOkResponse({ type: ImportAnswer })
  @ApiResponse({ status: 413, description: `payload_too_large: the file holds more than ${IMPORT_LIMITS}.` })
  @ApiResponse({ status: 429, description: 'rate_limited: two imports of the account already wait for the running one (or too many imports wait); retry after Retry-After seconds.' })
  async importClients(
    @Req() request: FastifyRequest,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<ImportAnswerBody> {
    const body = request.body as Readable;
    // Every refusal before the import reads (and drops) the rest of the upload, so the caller gets the answer, not a reset.
    const refuse = (error: AppError) => {
      dropRest(body);
      return error;
    };
    if (!/^(text|application)\/csv\b/i.test(request.headers['content-type'] ?? '')) {
      throw refuse(new AppError('unsupported_media_type', 'Send the import as text/csv.'));
    }
    const validKey = idempotencyKey(key);
    if (actor.role !== 'admin' && !actor.capabilities.includes('import_clients')) {
      throw refuse(new AppError(ErrorCodes.forbidden, missingCapabilitySentence('import_clients', 'send a file')));
    }
    let choices: ImportChoices;
    try {
      choices = importChoices(request.query);
    } catch (error) {
      throw refuse(error as AppError);
    }
    let release: () => void;
    try {
      release = await this.importSlots.take(actor.accountId);
    } catch (error) {
      throw refuse(error as AppError);
    }
    try {
      const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
      const importId = randomUUID();
      const sendInvitation = choices.sendInvitation === false ? { sendInvitation: false } : {};
      return await importCsv(
        body,
        declared,
        importId,
        (rows, chunk) =>
          send(this.deps.requests, ClientsSubjects.importClients, { actor, correlationId, idempotencyKey: validKey, data: { rows, importId, chunk, ...sendInvitation } }, { timeoutMs: 60_000 }),
        {},
        choices,
      );
    } finally {
      release();
    }
  }

  @Get('export')
  @ApiOperation({
    summary:
      'The client list as CSV (columns firstName,lastName,email,phone,type,status,createdAt), with the filters and order of the list and the same scope: coaches export their clients, admins the whole account. Cells a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) are prefixed with an apostrophe; a phone number such as +33 6 12 34 56 78 (+, then digits with spaces, dashes, dots or parentheses) is not one and stays as it is.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string', example: 'firstName,lastName,email,phone,type,status,createdAt\r\nAda,Lovelace,ada@example.com,,full_access,active,2026-11-21T09:00:00.000Z\r\n' } })
  async export(@Query() query: ClientFiltersQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<StreamableFile> {
    const { search, type, status, coachId, sort } = query;
    const pageSize = EXPORT_PAGE_SIZE;
    const fetchPage = (page: number) =>
      send<{ items: ClientSummary[]; total: number }>(this.deps.requests, ClientsSubjects.listClients, {
        actor,
        correlationId,
        data: { search, type, status, coachId, sort, page, pageSize },
      });
    // The first page is read before the answer starts: a refusal is still a problem+json answer.
    const first = await fetchPage(1);
    const day = new Date().toISOString().slice(0, 10);
    return new StreamableFile(Readable.from(csvExport(first, fetchPage, pageSize)), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="clients-${day}.csv"`,
    });
  }

  @Get(':id')
  @ApiOperation({ summary: "A client's profile. Another account's client, or another coach's client the caller has no session with, is 404." })
  @ApiOkResponse({ type: ClientProfileAnswer })
  async get(
    @Param('id') clientId: string,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientProfile> {
    const profile = await send<ClientProfile>(this.deps.requests, ClientsSubjects.getClient, { actor, correlationId, data: { clientId } });
    void reply.header('etag', etag(profile.version));
    return profile;
  }

  @Put(':id/type')
  @ApiOperation({ summary: 'Change Client Type: records ClientTypeChanged { from, to }; the same type records nothing.' })
  @ApiOkResponse({ type: ClientProfileAnswer })
  async changeType(
    @Param('id') clientId: string,
    @Body() body: ChangeTypeBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientProfile> {
    const profile = await send<ClientProfile>(this.deps.requests, ClientsSubjects.changeType, {
      actor,
      correlationId,
      idempotencyKey: idempotencyKey(key),
      data: { clientId, type: body.type },
    });
    // No reply slips through under the old type: messaging decides by the roster's current version.
    void reply.header('etag', etag(profile.version));
    return profile;
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Edit contact details. With If-Match, 409 concurrency_conflict when the client changed meanwhile. A new e-mail: 409 email_taken when another client of the account has it, or (for a client who signs in or may) when it already signs in to Clientele; a client who signs in gets a confirmation link at the new address and keeps signing in with the old one until they use it.',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag of the profile you edited.' })
  @ApiOkResponse({ type: ClientProfileAnswer })
  async changeContact(
    @Param('id') clientId: string,
    @Body() body: ChangeContactBody,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientProfile> {
    const profile = await send<ClientProfile>(this.deps.requests, ClientsSubjects.changeContact, {
      actor,
      correlationId,
      data: { clientId, changes: body, expectedVersion: parseIfMatch(ifMatch) },
    });
    void reply.header('etag', etag(profile.version));
    return profile;
  }

  @Post(':id/notes')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a coach note to the profile.' })
  @ApiCreatedResponse({ type: NoteAnswer })
  addNote(@Param('id') clientId: string, @Body() body: AddNoteBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Note> {
    return send(this.deps.requests, ClientsSubjects.addNote, { actor, correlationId, data: { clientId, body: body.body } });
  }

  @Get(':id/notes')
  @ApiOperation({ summary: "The client's coach notes, newest first, a page at a time (the profile holds only the latest 5). Same 404 rules as the profile." })
  @ApiOkResponse({ type: NotePageAnswer })
  notes(@Param('id') clientId: string, @Query() query: PageQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Page<Note>> {
    return send(this.deps.requests, ClientsSubjects.listNotes, { actor, correlationId, data: { clientId, page: query.page, pageSize: query.pageSize } });
  }

  @Put(':id/coach')
  @Roles('admin')
  @ApiOperation({ summary: 'Give the client to another coach of the account (admin).' })
  @ApiOkResponse({ type: ClientProfileAnswer })
  reassign(@Param('id') clientId: string, @Body() body: ReassignBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<ClientProfile> {
    return send<ClientProfile>(this.deps.requests, ClientsSubjects.reassign, { actor, correlationId, data: { clientId, coachId: body.coachId } });
  }

  @Post(':id/login-details')
  @HttpCode(202)
  @ApiOperation({ summary: '(Re)send the invitation, or the login link to a client who already signed in. 409 offline_no_login for offline clients.' })
  async loginDetails(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<void> {
    await send(this.deps.requests, ClientsSubjects.requestLoginDetails, { actor, correlationId, data: { clientId } });
  }

  @Post(':id/password-reset')
  @HttpCode(202)
  @ApiOperation({ summary: 'E-mail the client a password reset link (never a password). 409 offline_no_login for offline clients.' })
  async passwordReset(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<void> {
    await send(this.deps.requests, ClientsSubjects.requestPasswordReset, { actor, correlationId, data: { clientId } });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Delete a client, irreversibly (needs delete_clients): the seat is freed and the client's personal data can no longer be read anywhere." })
  async remove(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<void> {
    await send(this.deps.requests, ClientsSubjects.deleteClient, { actor, correlationId, data: { clientId } });
  }

  @Get(':id/history')
  @ApiOperation({ summary: "The client's audit trail, oldest first." })
  history(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<{ items: HistoryEntry[] }> {
    return send(this.deps.requests, ClientsSubjects.getHistory, { actor, correlationId, data: { clientId } });
  }
}

/** `If-Match: "3"` (or W/"3", or 3) carries the version the caller read; anything else is refused. */
function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value);
  if (!match) {
    throw new AppError(ErrorCodes.validationFailed, 'If-Match must be the ETag of the client, as GET answered it (for example "3").', [
      { field: 'If-Match', message: 'is not an ETag of this API' },
    ]);
  }
  return Number(match[1]);
}

function etag(version: number): string {
  return `"${version}"`;
}
