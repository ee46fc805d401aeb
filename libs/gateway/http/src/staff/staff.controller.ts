import { IdentitySubjects, Page, StaffMemberView } from '@clientele/identity/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import { PageQuery } from '../http/pagination';
import { IsAcceptablePassword, IsPlainText } from '../http/validators';

const CAPABILITIES = ['create_clients', 'delete_clients', 'manage_products', 'import_clients'];

export class AddStaffBody {
  @ApiProperty() @IsString() @Length(1, 100) @IsPlainText() firstName!: string;
  @ApiProperty() @IsString() @Length(1, 100) @IsPlainText() lastName!: string;
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ minLength: 10, maxLength: 200, description: 'Not one of the most common passwords.' }) @IsAcceptablePassword() password!: string;
  @ApiProperty({ enum: ['coach', 'admin'] }) @IsIn(['coach', 'admin']) role!: 'coach' | 'admin';
  @ApiPropertyOptional({ enum: CAPABILITIES, isArray: true, description: 'Coaches get create_clients when absent; admins always have all.' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  capabilities?: string[];
}

export class ChangeStaffBody {
  @ApiPropertyOptional({ enum: ['coach', 'admin'], description: "Absent: unchanged. The owner's role never changes, nor the caller's own." })
  @IsOptional()
  @IsIn(['coach', 'admin'])
  role?: 'coach' | 'admin';
  @ApiPropertyOptional({
    enum: CAPABILITIES,
    isArray: true,
    description: 'The whole new set. Absent: unchanged for a coach who stays one, create_clients for a new coach; admins always have all.',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  capabilities?: string[];
}

export class StaffMemberAnswer {
  @ApiProperty() id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() firstName!: string;
  @ApiProperty() lastName!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['coach', 'admin'] }) role!: string;
  @ApiProperty({ isArray: true, enum: CAPABILITIES }) capabilities!: string[];
  @ApiProperty() createdAt!: string;
}

@ApiTags('Accounts and staff')
@ApiBearerAuth()
@Controller('api/v1/staff')
export class StaffController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a coach or an admin to the business (admin).' })
  @ApiCreatedResponse({ type: StaffMemberAnswer })
  add(
    @Body() body: AddStaffBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<StaffMemberView> {
    return send(this.deps.requests, IdentitySubjects.addStaffMember, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: body });
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The staff of the business (admin).' })
  list(@Query() query: PageQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Page<StaffMemberView>> {
    return send(this.deps.requests, IdentitySubjects.listStaff, { actor, correlationId, data: { page: query.page, pageSize: query.pageSize } });
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({
    summary:
      "Change a member's role or capabilities (admin). Their tokens stop working: they sign in again with the new ones. 409 owner_role_fixed for the owner's role, 409 own_role_fixed for the caller's own role; 404 for another business's member.",
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ type: StaffMemberAnswer })
  change(
    @Param('id') id: string,
    @Body() body: ChangeStaffBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<StaffMemberView> {
    return send(this.deps.requests, IdentitySubjects.changeStaffAccess, {
      actor,
      correlationId,
      idempotencyKey: idempotencyKey(key),
      data: { userId: id, ...(body.role !== undefined ? { role: body.role } : {}), ...(body.capabilities !== undefined ? { capabilities: body.capabilities } : {}) },
    });
  }

  @Post(':id/password-reset')
  @Roles('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'E-mails the member a link to choose a new password (admin); never a password. The link works once and for 1 hour; a newer one replaces it. 404 for another business\'s member.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiAcceptedResponse()
  async sendPasswordReset(
    @Param('id') id: string,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<void> {
    await send(this.deps.requests, IdentitySubjects.sendStaffPasswordReset, { actor, correlationId, idempotencyKey: idempotencyKey(key), data: { userId: id } });
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Removes a coach or an admin (admin): their tokens stop working on the next request and their address is free again. 409 when they are the owner, or still coach clients.',
  })
  @ApiNoContentResponse()
  async remove(@Param('id') id: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<void> {
    await send(this.deps.requests, IdentitySubjects.removeStaffMember, { actor, correlationId, data: { userId: id } });
  }
}
