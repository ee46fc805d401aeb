import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, MaxLength, Max, Min, ValidateNested } from 'class-validator';
import { MoneyBody } from '../billing/billing.controller';
import { PageQuery } from '../http/pagination';

const ISO = { strict: true, strictSeparator: true } as const;

export class ScheduleSessionBody {
  @ApiProperty({ example: '2026-11-23T09:00:00Z', description: 'ISO-8601 date and time (UTC, or with an offset).' }) @IsISO8601(ISO) start!: string;
  @ApiProperty({ minimum: 5, maximum: 720, example: 60 }) @IsInt() @Min(5) @Max(720) durationMinutes!: number;
  @ApiPropertyOptional({ default: false, description: 'Online (location is then the meeting link) or in person (location is the address or room).' })
  @IsOptional()
  @IsBoolean()
  online?: boolean;
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) location?: string;
  @ApiPropertyOptional({ type: MoneyBody, description: 'Default: free (0 EUR).' }) @IsOptional() @ValidateNested() @Type(() => MoneyBody) price?: MoneyBody;
  @ApiPropertyOptional({ description: 'Admins only: the coach whose calendar takes the session (default: the caller).' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  coachId?: string;
}

export class RescheduleSessionBody {
  @ApiPropertyOptional({ example: '2026-11-23T10:00:00Z' }) @IsOptional() @IsISO8601(ISO) start?: string;
  @ApiPropertyOptional({ minimum: 5, maximum: 720 }) @IsOptional() @IsInt() @Min(5) @Max(720) durationMinutes?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() online?: boolean;
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) location?: string;
}

export class CancelSessionBody {
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class CompleteSessionBody {
  @ApiPropertyOptional({ default: true, description: 'false records a no-show (it still uses a session of the active bundle).' })
  @IsOptional()
  @IsBoolean()
  attended?: boolean;
}

export class RecordPaymentBody {
  @ApiPropertyOptional({ type: MoneyBody, description: 'Default: the price of the session (or bundle).' }) @IsOptional() @ValidateNested() @Type(() => MoneyBody) amount?: MoneyBody;
}

export class CreateProgramBody {
  @ApiProperty({ example: '10 sessions pack' }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ minimum: 1, maximum: 500, example: 10 }) @IsInt() @Min(1) @Max(500) sessions!: number;
  @ApiPropertyOptional({ type: MoneyBody, description: 'What the client paid for the bundle (default 0 EUR).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyBody)
  price?: MoneyBody;
  @ApiPropertyOptional({ description: 'The product it was sold as, if any.' }) @IsOptional() @IsString() @Length(1, 100) productId?: string;
  @ApiPropertyOptional({ example: '2027-03-01T00:00:00Z', description: 'After this instant the bundle is completed (expired), sessions left or not.' })
  @IsOptional()
  @IsISO8601(ISO)
  expiresAt?: string;
}

export class WhenQuery {
  @ApiPropertyOptional({ enum: ['upcoming', 'past'], description: 'upcoming: scheduled and not started, soonest first; past: the rest, latest first. Default: all, by start.' })
  @IsOptional()
  @IsIn(['upcoming', 'past'])
  when?: 'upcoming' | 'past';
}

export class ClientSessionsQuery extends IntersectionType(PageQuery, WhenQuery) {}

export class CoachSessionsFilters {
  @ApiPropertyOptional({ description: 'Admins: any coach of the account (default: the caller). Coaches: only themselves.' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  coachId?: string;
  @ApiPropertyOptional({ description: 'Sessions starting at or after this instant.' }) @IsOptional() @IsISO8601(ISO) from?: string;
  @ApiPropertyOptional({ description: 'Sessions starting before this instant.' }) @IsOptional() @IsISO8601(ISO) to?: string;
}

export class CoachSessionsQuery extends IntersectionType(ClientSessionsQuery, CoachSessionsFilters) {}

export class AgendaQuery {
  @ApiPropertyOptional({ example: 'Europe/Paris', description: "The coach's IANA time zone for today and this week (default UTC)." })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tz?: string;
}

export class ProgramStatusQuery {
  @ApiPropertyOptional({ enum: ['active', 'completed'] }) @IsOptional() @IsIn(['active', 'completed']) status?: 'active' | 'completed';
}

export class ClientProgramsQuery extends IntersectionType(PageQuery, ProgramStatusQuery) {}

export class PaymentStatusQuery {
  @ApiPropertyOptional({ enum: ['pending', 'paid', 'refunded'] }) @IsOptional() @IsIn(['pending', 'paid', 'refunded']) status?: 'pending' | 'paid' | 'refunded';
}

export class ClientPaymentsQuery extends IntersectionType(PageQuery, PaymentStatusQuery) {}
