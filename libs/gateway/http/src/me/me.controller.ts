import { ClientsSubjects, OwnProfile } from '@clientele/clients/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, Get, Inject, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import { IsPlainText } from '../http/validators';

export class OwnProfileBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) @IsPlainText() firstName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) @IsPlainText() lastName?: string;
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((body: OwnProfileBody) => body.phone !== null)
  @IsString()
  @MaxLength(40)
  phone?: string | null;
}

@ApiTags('Client self-service')
@ApiBearerAuth()
@Roles('client')
@Controller('api/v1/me')
export class MeController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Get('profile')
  @ApiOperation({ summary: "The signed-in client's own profile." })
  profile(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<OwnProfile> {
    return send(this.deps.requests, ClientsSubjects.getOwnProfile, { actor, correlationId, data: {} });
  }

  @Patch('profile')
  @ApiOperation({ summary: 'The client edits their own name and phone; the roster records it.' })
  update(@Body() body: OwnProfileBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<OwnProfile> {
    return send(this.deps.requests, ClientsSubjects.changeOwnProfile, { actor, correlationId, data: body });
  }
}
