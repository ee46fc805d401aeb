import { MEASUREMENT_UNITS, MeasurementsSubjects, type Measurement, type MeasurementList, type MeasurementUnitsView } from '@clientele/clients/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';

/** The numbers of one measurement, in the account's units. Their ranges are the clients service's (one sentence per field when refused). */
export class MeasurementValuesDoc {
  @ApiPropertyOptional({ description: 'kg (metric) or lb (imperial); 20-350 kg, 44-770 lb', example: 72.5 }) weight?: number;
  @ApiPropertyOptional({ description: 'percent, 2-70', example: 18 }) bodyFat?: number;
  @ApiPropertyOptional({ description: 'cm or in; 50-200 cm, 20-79 in' }) chest?: number;
  @ApiPropertyOptional({ description: 'cm or in; 40-200 cm, 16-79 in', example: 80 }) waist?: number;
  @ApiPropertyOptional({ description: 'cm or in; 50-200 cm, 20-79 in' }) hips?: number;
  @ApiPropertyOptional({ description: 'cm or in; 15-70 cm, 6-28 in' }) arm?: number;
  @ApiPropertyOptional({ description: 'cm or in; 25-110 cm, 10-43 in' }) thigh?: number;
}

export class RecordMeasurementBody {
  @ApiPropertyOptional({ description: 'When it was measured (ISO 8601 date or date-time); now when absent. Not in the future.', example: '2026-03-01' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  measuredAt?: string;

  // The values' names and ranges depend on the account's units: the service checks each one and says what is wrong in a sentence.
  @ApiProperty({ type: MeasurementValuesDoc, description: 'At least one value, in the account’s units.' })
  @IsObject()
  values!: Record<string, unknown>;
}

export class MeasurementAnswer {
  @ApiProperty() id!: string;
  @ApiProperty() clientId!: string;
  @ApiProperty() measuredAt!: string;
  @ApiProperty({ type: MeasurementValuesDoc }) values!: MeasurementValuesDoc;
  @ApiProperty() recordedAt!: string;
  @ApiProperty() recordedBy!: string;
  @ApiProperty({ enum: ['staff', 'client'] }) recordedByRole!: string;
}

export class MeasurementListAnswer {
  @ApiProperty({ type: [MeasurementAnswer], description: 'Oldest first (the latest 1000).' }) items!: MeasurementAnswer[];
  @ApiProperty({ enum: MEASUREMENT_UNITS }) units!: string;
}

export class MeasurementUnitsBody {
  // Checked by the service, which answers a sentence (validation_failed) for anything else.
  @ApiProperty({ enum: MEASUREMENT_UNITS, description: 'metric: kg and cm; imperial: lb and in.' })
  @IsString()
  units!: string;
}

export class MeasurementUnitsAnswer {
  @ApiProperty({ enum: MEASUREMENT_UNITS }) units!: string;
}

/** Progress: a client's body measurements over time (the profile's Progress tab, the client's own page). */
@ApiTags('Progress')
@ApiBearerAuth()
@Controller('api/v1')
export class MeasurementsController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('clients/:id/measurements')
  @Roles('admin', 'coach')
  @HttpCode(201)
  @ApiOperation({ summary: "Record a client's measurement in the account's units (the assigned coach or an admin); it is an event of the client's history." })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: MeasurementAnswer })
  async record(
    @Param('id') clientId: string,
    @Body() body: RecordMeasurementBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Measurement> {
    const measurement = await send<Measurement>(this.deps.requests, MeasurementsSubjects.recordMeasurement, {
      actor,
      correlationId,
      idempotencyKey: idempotencyKey(key),
      data: { clientId, measuredAt: body.measuredAt, values: body.values },
    });
    void reply.header('location', `/api/v1/clients/${clientId}/measurements`);
    return measurement;
  }

  @Get('clients/:id/measurements')
  @Roles('admin', 'coach')
  @ApiOperation({ summary: "A client's measurements, oldest first, with the account's units." })
  @ApiOkResponse({ type: MeasurementListAnswer })
  list(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<MeasurementList> {
    return send(this.deps.requests, MeasurementsSubjects.listMeasurements, { actor, correlationId, data: { clientId } });
  }

  @Post('me/measurements')
  @Roles('client')
  @HttpCode(201)
  @ApiOperation({ summary: 'A full-access client records their own measurement, in their coach’s units.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: MeasurementAnswer })
  recordOwn(
    @Body() body: RecordMeasurementBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<Measurement> {
    return send(this.deps.requests, MeasurementsSubjects.recordOwnMeasurement, {
      actor,
      correlationId,
      idempotencyKey: idempotencyKey(key),
      data: { measuredAt: body.measuredAt, values: body.values },
    });
  }

  @Get('me/measurements')
  @Roles('client')
  @ApiOperation({ summary: "The signed-in client's own measurements, oldest first, with the units." })
  @ApiOkResponse({ type: MeasurementListAnswer })
  listOwn(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<MeasurementList> {
    return send(this.deps.requests, MeasurementsSubjects.listOwnMeasurements, { actor, correlationId, data: {} });
  }

  @Get('account/measurement-units')
  @Roles('admin', 'coach')
  @ApiOperation({ summary: "The account's measurement units: metric (kg, cm) or imperial (lb, in)." })
  @ApiOkResponse({ type: MeasurementUnitsAnswer })
  units(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<MeasurementUnitsView> {
    return send(this.deps.requests, MeasurementsSubjects.getMeasurementUnits, { actor, correlationId, data: {} });
  }

  @Put('account/measurement-units')
  @Roles('admin')
  @ApiOperation({ summary: "Change the account's measurement units (admin). Stored measurements are converted when read, never rewritten." })
  @ApiOkResponse({ type: MeasurementUnitsAnswer })
  setUnits(@Body() body: MeasurementUnitsBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<MeasurementUnitsView> {
    return send(this.deps.requests, MeasurementsSubjects.setMeasurementUnits, { actor, correlationId, data: { units: body.units } });
  }
}
