import { ClientProfile, ClientSummary, ClientsSubjects } from '@clientele/clients/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import { AddClientBody, ClientListAnswer, ClientProfileAnswer, ListClientsQuery, RecentClientsQuery } from './clients.dto';

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
  @ApiOperation({ summary: 'Coaches see their clients; admins see the whole account.' })
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

  @Get(':id')
  @ApiOperation({ summary: "A client's profile. Another account's client, or another coach's, is 404." })
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
}

function etag(version: number): string {
  return `"${version}"`;
}
