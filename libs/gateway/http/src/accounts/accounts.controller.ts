import { ClientsSubjects, Seats } from '@clientele/clients/contracts';
import { AccountView, IdentitySubjects, OpenAccountResult } from '@clientele/identity/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, Get, Headers, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CorrelationId, CurrentActor, Public, RateLimited, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import { SeatsAnswer } from '../clients/clients-roster.dto';
import { AccountAnswer, OpenAccountAnswer, OpenAccountBody, UpdateAccountBody } from './accounts.dto';

@ApiTags('Accounts and staff')
@Controller('api/v1')
export class AccountsController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('accounts')
  @Public()
  @RateLimited()
  @HttpCode(201)
  @ApiOperation({ summary: 'Sign up: a business and its owner, an admin.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: OpenAccountAnswer })
  open(
    @Body() body: OpenAccountBody,
    @Headers('idempotency-key') key: string | undefined,
    @CorrelationId() correlationId: string,
  ): Promise<OpenAccountResult> {
    return send(this.deps.requests, IdentitySubjects.openAccount, { correlationId, idempotencyKey: idempotencyKey(key), data: body });
  }

  @Get('account')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's business: its name and client seat limit." })
  @ApiOkResponse({ type: AccountAnswer })
  account(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<AccountView> {
    return send(this.deps.requests, IdentitySubjects.getAccount, { actor, correlationId, data: { accountId: actor.accountId } });
  }

  @Patch('account')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Change the business's name and/or its client seat limit (admin); what is absent stays. The new name shows in the mails and on the checkout page from then on." })
  @ApiOkResponse({ type: AccountAnswer })
  update(@Body() body: UpdateAccountBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<AccountView> {
    const data = { ...(body.seatLimit !== undefined ? { seatLimit: body.seatLimit } : {}), ...(body.businessName !== undefined ? { businessName: body.businessName } : {}) };
    return send(this.deps.requests, IdentitySubjects.updateAccount, { actor, correlationId, data });
  }

  @Get('account/seats')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The account's client seats: limit, used, available, by type, and how many wait for one." })
  @ApiOkResponse({ type: SeatsAnswer })
  seats(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Seats> {
    return send(this.deps.requests, ClientsSubjects.getSeats, { actor, correlationId, data: {} });
  }
}
