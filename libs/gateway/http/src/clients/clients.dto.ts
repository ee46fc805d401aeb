import { CLIENT_SORTS } from '@clientele/clients/contracts';
import { ClientTypes } from '@clientele/platform/core';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../http/pagination';
import { IsPlainText } from '../http/validators';

export class AddClientBody {
  @ApiProperty({ example: 'Ada' }) @IsString() @Length(1, 100) @IsPlainText() firstName!: string;
  @ApiProperty({ example: 'Lovelace' }) @IsString() @Length(1, 100) @IsPlainText() lastName!: string;
  @ApiProperty({ example: 'ada@example.com' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiPropertyOptional({ example: '+44 20 7946 0000' }) @IsOptional() @IsString() @MaxLength(40) phone?: string;
  @ApiProperty({ enum: ClientTypes }) @IsIn(ClientTypes) type!: (typeof ClientTypes)[number];
  @ApiPropertyOptional({ description: 'Send the invitation e-mail; defaults to true for full-access types, must be false or absent for offline.' })
  @IsOptional()
  @IsBoolean()
  sendInvitation?: boolean;
  @ApiPropertyOptional({ description: 'Admins only: the coach the client is assigned to (default: the caller).' })
  @IsOptional()
  @IsUUID()
  coachId?: string;
}

/** The filters and the order of the client list, shared by the list and the CSV export. */
export class ClientFiltersQuery {
  @ApiPropertyOptional({ description: 'First name, last name or e-mail contains this, case-insensitively.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ enum: ClientTypes }) @IsOptional() @IsIn(ClientTypes) type?: (typeof ClientTypes)[number];
  @ApiPropertyOptional({ enum: ['active', 'pending'] }) @IsOptional() @IsIn(['active', 'pending']) status?: 'active' | 'pending';
  @ApiPropertyOptional() @IsOptional() @IsUUID() coachId?: string;
  @ApiPropertyOptional({ enum: CLIENT_SORTS, default: 'name' }) @IsOptional() @IsIn(CLIENT_SORTS) sort?: (typeof CLIENT_SORTS)[number];
}

export class ListClientsQuery extends IntersectionType(PageQuery, ClientFiltersQuery) {}

export class RecentClientsQuery {
  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit: number = 5;
}

export class ClientSummaryAnswer {
  @ApiProperty() id!: string;
  @ApiProperty() firstName!: string;
  @ApiProperty() lastName!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ enum: ClientTypes }) type!: string;
  @ApiProperty({ enum: ['active', 'pending'] }) status!: string;
  @ApiProperty() coachId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) lastActivityAt!: string | null;
}

export class ClientListAnswer {
  @ApiProperty({ type: [ClientSummaryAnswer] }) items!: ClientSummaryAnswer[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}

export class ClientProfileAnswer extends ClientSummaryAnswer {
  @ApiProperty({ example: { kind: 'manual' } }) source!: object;
  @ApiProperty({ enum: ['none', 'not_invited', 'invited', 'active'] }) appAccess!: string;
  @ApiProperty({ isArray: true, example: [], description: 'The latest 5 notes, oldest of them first; GET /clients/:id/notes pages them all.' }) notes!: object[];
  @ApiProperty({ description: 'How many notes the client has in all.' }) notesTotal!: number;
  @ApiProperty({ example: { messagesFromCoach: 0, messagesFromClient: 0, lastMessageAt: null, purchases: 0, totalSpent: null } }) kpis!: object;
  @ApiProperty() updatedAt!: string;
  @ApiProperty() version!: number;
}
