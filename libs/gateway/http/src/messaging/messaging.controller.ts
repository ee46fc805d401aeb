import { Message, MessagingSubjects } from '@clientele/messaging/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';

export class MessageBody {
  @ApiProperty({ minLength: 1, maxLength: 5000, description: 'Stored as given; never rendered as HTML.' }) @IsString() @Length(1, 5000) body!: string;
}

export class MessageAnswer {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['coach', 'client'] }) from!: string;
  @ApiProperty() body!: string;
  @ApiProperty() sentAt!: string;
}

@ApiTags('Messaging')
@ApiBearerAuth()
@Controller('api/v1')
export class MessagingController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('clients/:id/messages')
  @Roles('admin', 'coach')
  @HttpCode(201)
  @ApiOperation({ summary: 'Write to a client. 403 messaging_not_allowed for an offline client.' })
  @ApiCreatedResponse({ type: MessageAnswer })
  toClient(
    @Param('id') clientId: string,
    @Body() body: MessageBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<Message> {
    return send(this.deps.requests, MessagingSubjects.sendAsCoach, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { clientId, body: body.body } });
  }

  @Get('clients/:id/messages')
  @Roles('admin', 'coach')
  @ApiOperation({ summary: "The client's thread, oldest first." })
  threadForCoach(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<{ items: Message[] }> {
    return send(this.deps.requests, MessagingSubjects.threadForCoach, { actor, correlationId, data: { clientId } });
  }

  @Post('me/messages')
  @Roles('client')
  @HttpCode(201)
  @ApiOperation({ summary: 'The client writes to their coach. 403 messaging_not_allowed with one-way messaging.' })
  @ApiCreatedResponse({ type: MessageAnswer })
  fromClient(@Body() body: MessageBody, @Headers('idempotency-key') key: string | undefined, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Message> {
    return send(this.deps.requests, MessagingSubjects.sendAsClient, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { body: body.body } });
  }

  @Get('me/messages')
  @Roles('client')
  @ApiOperation({ summary: "The client's thread, oldest first." })
  threadForClient(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<{ items: Message[] }> {
    return send(this.deps.requests, MessagingSubjects.threadForClient, { actor, correlationId, data: {} });
  }
}
