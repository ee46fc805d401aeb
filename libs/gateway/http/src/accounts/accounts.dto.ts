import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsEmail, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { IsAcceptablePassword, IsPlainText } from '../http/validators';

export class OwnerBody {
  @ApiProperty({ example: 'Maya' }) @IsString() @Length(1, 100) @IsPlainText() firstName!: string;
  @ApiProperty({ example: 'Stone' }) @IsString() @Length(1, 100) @IsPlainText() lastName!: string;
  @ApiProperty({ example: 'maya@stonefitness.example' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ minLength: 10, maxLength: 200, example: 'correct horse battery', description: 'Not one of the most common passwords.' }) @IsAcceptablePassword() password!: string;
}

export class OpenAccountBody {
  @ApiProperty({ example: 'Stone Fitness' }) @IsString() @Length(1, 200) @IsPlainText() businessName!: string;
  @ApiProperty({ type: OwnerBody }) @IsDefined() @ValidateNested() @Type(() => OwnerBody) owner!: OwnerBody;
  @ApiPropertyOptional({ nullable: true, description: 'Client seats; null or absent means no limit.', example: 50 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  seatLimit?: number | null;
}

export class OpenAccountAnswer {
  @ApiProperty() accountId!: string;
  @ApiProperty() ownerId!: string;
}

/** Send what changes: at least one of the two (older callers send `seatLimit` alone). */
export class UpdateAccountBody {
  @ApiPropertyOptional({ nullable: true, description: 'Client seats; null means no limit. Absent: unchanged.', example: 25 })
  @ValidateIf((body: UpdateAccountBody) => body.seatLimit !== null && (body.seatLimit !== undefined || body.businessName === undefined))
  @IsDefined()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  seatLimit?: number | null;

  @ApiPropertyOptional({ example: 'Stone Fitness', description: 'The name clients see in mails and buyers on the checkout page. Absent: unchanged.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  businessName?: string;
}

export class AccountAnswer {
  @ApiProperty() id!: string;
  @ApiProperty() businessName!: string;
  @ApiProperty({ nullable: true, type: Number }) seatLimit!: number | null;
  @ApiProperty() ownerId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() version!: number;
}
