import { ConfirmEmailResult, IdentitySubjects, InvitationLinkStatus, InvitationStatusResult, LoginResult } from '@clientele/identity/contracts';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import { IsAcceptablePassword } from '../http/validators';
import { CorrelationId, Public, RateLimited } from './auth.decorators';
import { LoginAnswer } from './auth.controller';

export class TokenPasswordBody {
  @ApiProperty({ description: 'The token from the link in the e-mail.' }) @IsString() @Length(1, 400) token!: string;
  @ApiProperty({ minLength: 10, maxLength: 200, description: 'Not one of the most common passwords.' }) @IsAcceptablePassword() password!: string;
}

export class ConfirmEmailBody {
  @ApiProperty({ description: 'The token from the link in the e-mail sent to the new address.' }) @IsString() @Length(1, 400) token!: string;
}

export class ConfirmEmailAnswer {
  @ApiProperty({ description: 'The address the client signs in with from now on.' }) email!: string;
}

export class InvitationStatusBody {
  @ApiProperty({ description: 'The token from the invitation link.' }) @IsString() @Length(1, 400) token!: string;
}

export class InvitationStatusAnswer {
  @ApiProperty({
    enum: ['open', 'used', 'invalid'],
    description: '`open`: the link sets a password; `used`: the client already chose one, and signs in; `invalid`: replaced, expired or not an invitation link.',
  })
  status!: InvitationLinkStatus;
}

export class ResetRequestBody {
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
}

@ApiTags('Client self-service')
@Controller('api/v1/auth')
export class ClientAccessController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('accept-invitation')
  @Public()
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({ summary: 'Set a password from the invitation link, and sign in. The link works once, for 7 days.' })
  @ApiOkResponse({ type: LoginAnswer })
  accept(@Body() body: TokenPasswordBody, @CorrelationId() correlationId: string): Promise<LoginResult> {
    return send(this.deps.requests, IdentitySubjects.acceptInvitation, { correlationId, data: body });
  }

  @Post('invitation-status')
  @Public()
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({ summary: 'What an invitation link can still do, before its page asks for a password: open, used (sign in instead) or invalid. Changes nothing.' })
  @ApiOkResponse({ type: InvitationStatusAnswer })
  invitationStatus(@Body() body: InvitationStatusBody, @CorrelationId() correlationId: string): Promise<InvitationStatusResult> {
    return send(this.deps.requests, IdentitySubjects.invitationStatus, { correlationId, data: { token: body.token } });
  }

  @Post('password-reset/request')
  @Public()
  @RateLimited()
  @HttpCode(202)
  @ApiOperation({ summary: 'E-mails a reset link when the address belongs to a client who can sign in. Always 202.' })
  @ApiAcceptedResponse()
  async requestReset(@Body() body: ResetRequestBody, @CorrelationId() correlationId: string): Promise<void> {
    await send(this.deps.requests, IdentitySubjects.requestPasswordReset, { correlationId, data: { email: body.email } });
  }

  @Post('password-reset/confirm')
  @Public()
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({ summary: 'Choose a new password from the reset link (works once, for 1 hour), and sign in.' })
  @ApiOkResponse({ type: LoginAnswer })
  confirm(@Body() body: TokenPasswordBody, @CorrelationId() correlationId: string): Promise<LoginResult> {
    return send(this.deps.requests, IdentitySubjects.confirmPasswordReset, { correlationId, data: body });
  }

  @Post('confirm-email')
  @Public()
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirms a new sign-in address from the link sent to it: it signs in from now on, and the old one stops. 409 email_taken when it already signs in elsewhere.',
  })
  @ApiOkResponse({ type: ConfirmEmailAnswer })
  confirmEmail(@Body() body: ConfirmEmailBody, @CorrelationId() correlationId: string): Promise<ConfirmEmailResult> {
    return send(this.deps.requests, IdentitySubjects.confirmEmail, { correlationId, data: { token: body.token } });
  }
}
