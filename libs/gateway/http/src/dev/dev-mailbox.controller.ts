import { DevMailboxItem, NotificationsSubjects } from '@clientele/notifications/contracts';
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsEmail, MaxLength } from 'class-validator';
import { CorrelationId, Public } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';

export class MailboxQuery {
  @ApiPropertyOptional() @IsEmail() @MaxLength(254) to!: string;
}

/** Outside production only (the route is not even registered there): the mails sent to an address. */
@ApiTags('Development')
@Controller('api/v1/dev')
export class DevMailboxController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Get('mailbox')
  @Public()
  @ApiOperation({ summary: 'The dev mailbox: mails sent to an address, newest first (not in production).' })
  mailbox(@Query() query: MailboxQuery, @CorrelationId() correlationId: string): Promise<{ items: DevMailboxItem[] }> {
    return send(this.deps.requests, NotificationsSubjects.devMailbox, { correlationId, data: { to: query.to } });
  }
}
