import { ClientTypes } from '@clientele/platform/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateIf } from 'class-validator';
import { IsPlainText } from '../http/validators';

export class ChangeTypeBody {
  @ApiProperty({ enum: ClientTypes }) @IsIn(ClientTypes) type!: (typeof ClientTypes)[number];
}

export class BulkChangeTypeBody {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 500, description: 'Unknown, deleted or foreign ids fail one by one.' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  clientIds!: string[];

  @ApiProperty({ enum: ClientTypes }) @IsIn(ClientTypes) type!: (typeof ClientTypes)[number];

  @ApiPropertyOptional({ description: 'Report what would happen, change nothing.' }) @IsOptional() @IsBoolean() dryRun?: boolean;
}

export class BulkChangeTypeAnswer {
  @ApiProperty({ example: [{ clientId: '…', outcome: 'changed' }] }) results!: object[];
  @ApiProperty({ example: { changed: 1, unchanged: 0, failed: 0, invitationsToSend: 1, accessRevoked: 0 } }) summary!: object;
}

export class ChangeContactBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) @IsPlainText() firstName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) @IsPlainText() lastName?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((body: ChangeContactBody) => body.phone !== null)
  @IsString()
  @MaxLength(40)
  phone?: string | null;
}

export class AddNoteBody {
  @ApiProperty({ maxLength: 5000 }) @IsString() @Length(1, 5000) body!: string;
}

export class NoteAnswer {
  @ApiProperty() id!: string;
  @ApiProperty() body!: string;
  @ApiProperty() authorId!: string;
  @ApiProperty() createdAt!: string;
}

export class NotePageAnswer {
  @ApiProperty({ type: [NoteAnswer] }) items!: NoteAnswer[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}

export class ReassignBody {
  @ApiProperty() @IsUUID() coachId!: string;
}

export class SeatsAnswer {
  @ApiProperty({ nullable: true, type: Number }) limit!: number | null;
  @ApiProperty() used!: number;
  @ApiProperty({ nullable: true, type: Number }) available!: number | null;
  @ApiProperty({ example: { full_access: 0, full_access_one_way: 0, offline: 0 } }) byType!: object;
  @ApiProperty() pending!: number;
}

export class ImportAnswer {
  @ApiProperty() created!: number;
  @ApiProperty({ description: 'The first 100 refused rows, in row order (all of them: reportUrl).', example: [{ row: 3, errors: [{ field: 'email', message: 'must be an e-mail address' }] }] })
  failed!: object[];
  @ApiProperty({ description: 'Every refused row.' }) failedCount!: number;
  @ApiProperty({ description: 'True when failed lists only the first of the refused rows.' }) truncated!: boolean;
  @ApiProperty() importId!: string;
  @ApiPropertyOptional({ description: 'When a row was refused: the full report (CSV row,field,message), for the importer and the admins, kept 7 days.', example: '/api/v1/clients/imports/7d5c…/report' })
  reportUrl?: string;
  @ApiPropertyOptional({ type: [String], description: 'The header cells the import did not read (a Notes column, the reason column of a refused-rows file); only when there were some.', example: ['Notes'] })
  ignoredColumns?: string[];
}
