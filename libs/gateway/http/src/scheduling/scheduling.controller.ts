import type { RequestActor } from '@clientele/platform/bus';
import { AppError, ErrorCodes, type Page } from '@clientele/platform/core';
import {
  ClientPaymentSummary,
  ClientSessionSummary,
  CoachAgenda,
  PaymentView,
  ProgramRefundView,
  ProgramView,
  SchedulingSubjects,
  SessionView,
} from '@clientele/scheduling/contracts';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import {
  AgendaQuery,
  CancelSessionBody,
  ClientPaymentsQuery,
  ClientProgramsQuery,
  ClientSessionsQuery,
  CoachSessionsQuery,
  CompleteSessionBody,
  CreateProgramBody,
  RecordPaymentBody,
  RescheduleSessionBody,
  ScheduleSessionBody,
} from './scheduling.dto';

/**
 * The profile's Overview (sessions), Programs (bundles) and Finances (payments per session), and
 * the coach home's agenda. Client-scoped routes answer 404 for a client the caller may not see; a
 * coach sees the clients assigned to them and those they have a session with.
 */
@ApiTags('Sessions, programs and payments')
@ApiBearerAuth()
@Roles('admin', 'coach')
@Controller('api/v1')
export class SchedulingController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('clients/:id/sessions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Schedule a session with the client. 409 coach_double_booked when it overlaps another session of the coach.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async schedule(
    @Param('id') clientId: string,
    @Body() body: ScheduleSessionBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionView> {
    const session = await send<SessionView>(this.deps.requests, SchedulingSubjects.scheduleSession, {
      actor,
      correlationId,
      idempotencyKey: idempotencyKey(key),
      data: { ...body, clientId },
    });
    void reply.header('location', `/api/v1/sessions/${session.id}`).header('etag', etag(session.version));
    return session;
  }

  @Get('clients/:id/sessions')
  @ApiOperation({ summary: "The client's sessions: when=upcoming (soonest first) or when=past (latest first)." })
  clientSessions(@Param('id') clientId: string, @Query() query: ClientSessionsQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Page<SessionView>> {
    return send(this.deps.requests, SchedulingSubjects.clientSessions, { actor, correlationId, data: { clientId, when: query.when, page: query.page, pageSize: query.pageSize } });
  }

  @Get('clients/:id/sessions/summary')
  @ApiOperation({ summary: 'Overview and Programs KPIs: sessions completed, upcoming, no-shows, attendance rate, next session; programs active and completed.' })
  sessionSummary(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<ClientSessionSummary> {
    return send(this.deps.requests, SchedulingSubjects.clientSessionSummary, { actor, correlationId, data: { clientId } });
  }

  @Post('clients/:id/programs')
  @HttpCode(201)
  @ApiOperation({ summary: 'New bundle: N sessions sold to the client. Completed sessions consume it, oldest active bundle first.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  createProgram(
    @Param('id') clientId: string,
    @Body() body: CreateProgramBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<ProgramView> {
    return send(this.deps.requests, SchedulingSubjects.createBundle, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { ...body, clientId } });
  }

  @Get('clients/:id/programs')
  @ApiOperation({ summary: "The client's programs: active ones first, then completed (used up or expired)." })
  programs(@Param('id') clientId: string, @Query() query: ClientProgramsQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Page<ProgramView>> {
    return send(this.deps.requests, SchedulingSubjects.clientPrograms, { actor, correlationId, data: { clientId, status: query.status, page: query.page, pageSize: query.pageSize } });
  }

  @Post('clients/:id/programs/:programId/payment')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that the bundle was paid, as a whole (default: its price). 409 payment_already_recorded; 404 program_not_found.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  payProgram(
    @Param('id') clientId: string,
    @Param('programId') programId: string,
    @Body() body: RecordPaymentBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<ProgramView> {
    return send(this.deps.requests, SchedulingSubjects.recordBundlePayment, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { clientId, programId, amount: body.amount } });
  }

  @Post('clients/:id/programs/:programId/refund')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Refund the bundle's payment in full. A session pack bought at checkout is refunded through its purchase (needs manage_products; the money goes " +
      'back the way it was paid, and `refund.status` says `requested` until Stripe confirms it). 409 payment_not_refundable when nothing is paid; 404 program_not_found.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  refundProgram(
    @Param('id') clientId: string,
    @Param('programId') programId: string,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<ProgramRefundView> {
    return send(this.deps.requests, SchedulingSubjects.refundBundlePayment, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { clientId, programId } });
  }

  @Get('clients/:id/payments')
  @ApiOperation({ summary: "One payment per session, bundle or product bought at checkout with something to pay (pending, paid or refunded), newest first (kind: session, bundle or purchase; `refunded` says what went back of a payment refunded in part)." })
  payments(@Param('id') clientId: string, @Query() query: ClientPaymentsQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Page<PaymentView>> {
    return send(this.deps.requests, SchedulingSubjects.clientPayments, { actor, correlationId, data: { clientId, status: query.status, page: query.page, pageSize: query.pageSize } });
  }

  @Get('clients/:id/payments/summary')
  @ApiOperation({ summary: 'Finances KPIs and chart: revenue (paid minus refunded), outstanding, last payment, revenue per month for the last 12 months.' })
  paymentSummary(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<ClientPaymentSummary> {
    return send(this.deps.requests, SchedulingSubjects.clientPaymentSummary, { actor, correlationId, data: { clientId } });
  }

  @Get('sessions')
  @ApiOperation({ summary: "A coach's sessions (the caller's; admins may pass coachId), with when, from and to." })
  coachSessions(@Query() query: CoachSessionsQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Page<SessionView>> {
    const { coachId, when, from, to, page, pageSize } = query;
    return send(this.deps.requests, SchedulingSubjects.coachSessions, { actor, correlationId, data: { coachId, when, from, to, page, pageSize } });
  }

  @Get('sessions/agenda')
  @ApiOperation({ summary: "Coach home: the caller's sessions today and this week (Monday to Sunday) in the time zone tz (default UTC)." })
  agenda(@Query() query: AgendaQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<CoachAgenda> {
    return send(this.deps.requests, SchedulingSubjects.coachAgenda, { actor, correlationId, data: { timezone: query.tz } });
  }

  @Get('sessions/:id')
  @ApiOperation({ summary: 'One session, with an ETag.' })
  async get(@Param('id') sessionId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionView> {
    return this.withEtag(reply, send(this.deps.requests, SchedulingSubjects.getSession, { actor, correlationId, data: { sessionId } }));
  }

  @Patch('sessions/:id')
  @ApiOperation({ summary: 'Reschedule: a new start, duration or place. 409 coach_double_booked; 409 session_not_scheduled once held or cancelled.' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag of the session you edited: 409 concurrency_conflict when it changed meanwhile.' })
  reschedule(
    @Param('id') sessionId: string,
    @Body() body: RescheduleSessionBody,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionView> {
    return this.withEtag(
      reply,
      send(this.deps.requests, SchedulingSubjects.rescheduleSession, { actor, correlationId, data: { ...body, sessionId, expectedVersion: parseIfMatch(ifMatch) } }),
    );
  }

  @Post('sessions/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a scheduled session (its slot frees up). Cancelling twice changes nothing.' })
  cancel(@Param('id') sessionId: string, @Body() body: CancelSessionBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.withEtag(reply, send(this.deps.requests, SchedulingSubjects.cancelSession, { actor, correlationId, data: { sessionId, reason: body.reason } }));
  }

  @Post('sessions/:id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete a session that has begun (attended=false: a no-show); it consumes one session of the active bundle.' })
  complete(@Param('id') sessionId: string, @Body() body: CompleteSessionBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.withEtag(reply, send(this.deps.requests, SchedulingSubjects.completeSession, { actor, correlationId, data: { sessionId, attended: body.attended } }));
  }

  @Post('sessions/:id/payment')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that the session was paid (default: its price). 409 payment_already_recorded.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  pay(
    @Param('id') sessionId: string,
    @Body() body: RecordPaymentBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.withEtag(reply, send(this.deps.requests, SchedulingSubjects.recordPayment, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { sessionId, amount: body.amount } }));
  }

  @Post('sessions/:id/refund')
  @HttpCode(200)
  @ApiOperation({ summary: "Refund the session's payment in full. 409 payment_not_refundable when nothing is paid." })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  refund(
    @Param('id') sessionId: string,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.withEtag(reply, send(this.deps.requests, SchedulingSubjects.refundPayment, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { sessionId } }));
  }

  private async withEtag(reply: FastifyReply, answer: Promise<SessionView>): Promise<SessionView> {
    const session = await answer;
    void reply.header('etag', etag(session.version));
    return session;
  }
}

function etag(version: number): string {
  return `"${version}"`;
}

function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value);
  if (!match) {
    throw new AppError(ErrorCodes.validationFailed, 'If-Match must be the ETag of the session, as GET answered it (for example "3").', [
      { field: 'If-Match', message: 'is not an ETag of this API' },
    ]);
  }
  return Number(match[1]);
}
