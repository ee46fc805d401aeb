import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { LoginAnswer } from '../auth/auth.controller';
import { CorrelationId, CurrentActor, RateLimited, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import { IsAcceptablePassword } from '../http/validators';

export class ChangePasswordBody {
  @ApiProperty() @IsString() @Length(1, 200) currentPassword!: string;
  @ApiProperty({ minLength: 10, maxLength: 200, description: 'Not one of the most common passwords.' }) @IsAcceptablePassword() newPassword!: string;
}

/** A staff member changes their own password (clients use a reset link). */
@ApiTags('Accounts and staff')
@ApiBearerAuth()
@Controller('api/v1/me')
export class StaffPasswordController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('password')
  @Roles('admin', 'coach')
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({ summary: 'Changes your password (staff; the current one is required). Every other token of yours stops working; the answer carries a new one.' })
  @ApiOkResponse({ type: LoginAnswer })
  change(@Body() body: ChangePasswordBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<LoginResult> {
    return send(this.deps.requests, IdentitySubjects.changeStaffPassword, { actor, correlationId, data: body });
  }
}
