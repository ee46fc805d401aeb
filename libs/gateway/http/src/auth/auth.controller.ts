import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import type { RequestActor } from '@clientele/platform/bus';
import { CorrelationId, CurrentActor, Public, RateLimited, Roles } from './auth.decorators';
import { SignInThrottle } from './sign-in-throttle';

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
  constructor(
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
    private readonly signInThrottle: SignInThrottle,
  ) {}

  @Post('login')
  @Public()
  // Added to the general 429 of @RateLimited() (applied before it: decorators apply bottom-up).
  @ApiTooManyRequestsResponse({
    description:
      'Also after too many unsuccessful sign-ins with this e-mail address: after 5 from one client address the wait doubles with each further one (1 s, 2 s, 4 s, ... up to 15 minutes), and after 20 from anywhere every new client address waits too (up to 30 s). The same answer whether or not the address has a login.',
  })
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with e-mail and password; answers an access token.',
    description:
      '401 invalid_credentials for a wrong password, an unknown address, a deleted client or an offline client. Only when the password is right, an offline client reads in `detail` that their coach paused their access to the client app.',
  })
  @ApiOkResponse({ type: LoginAnswer })
  async login(@Body() body: LoginBody, @CorrelationId() correlationId: string, @Req() request: FastifyRequest): Promise<LoginResult> {
    // Staff and clients alike sign in here: one throttle per e-mail address (see SignInThrottle).
    await this.signInThrottle.admit(body.email, request.ip);
    let result: LoginResult;
    try {
      result = await send<LoginResult>(this.deps.requests, IdentitySubjects.login, { correlationId, data: body });
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.invalidCredentials) await this.signInThrottle.failed(body.email, request.ip);
      throw error;
    }
    await this.signInThrottle.succeeded(body.email, request.ip);
    return result;
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
