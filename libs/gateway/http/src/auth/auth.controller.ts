import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import type { RequestActor } from '@clientele/platform/bus';
import { CorrelationId, CurrentActor, Public, RateLimited, Roles } from './auth.decorators';

export class LoginBody {
  @ApiProperty({ example: 'maya@stonefitness.example' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty() @IsString() @Length(1, 200) password!: string;
}

export class UserAnswer {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['admin', 'coach', 'client'] }) role!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() firstName!: string;
  @ApiProperty() lastName!: string;
  @ApiPropertyOptional({ type: [String], description: 'Staff only: what they may do (create_clients, delete_clients, manage_products, import_clients; an admin has them all), as their token carries them.' })
  capabilities?: string[];
}

export class LoginAnswer {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ example: 'Bearer' }) tokenType!: string;
  @ApiProperty({ description: 'Seconds until the token expires.' }) expiresIn!: number;
  @ApiProperty({ type: UserAnswer }) user!: UserAnswer;
}

@ApiTags('Accounts and staff')
@Controller('api/v1/auth')
export class AuthController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('login')
  @Public()
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with e-mail and password; answers an access token.',
    description:
      '401 invalid_credentials for a wrong password, an unknown address, a deleted client or an offline client. Only when the password is right, an offline client reads in `detail` that their coach paused their access to the client app.',
  })
  @ApiOkResponse({ type: LoginAnswer })
  login(@Body() body: LoginBody, @CorrelationId() correlationId: string): Promise<LoginResult> {
    return send(this.deps.requests, IdentitySubjects.login, { correlationId, data: body });
  }

  @Post('logout')
  @Roles('admin', 'coach', 'client')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Signs out everywhere: every access token of the caller stops working on its next request.' })
  @ApiNoContentResponse()
  async logout(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<void> {
    await send(this.deps.requests, IdentitySubjects.signOut, { actor, correlationId, data: {} });
  }
}
