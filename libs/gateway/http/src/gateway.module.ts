import { JsonLogger } from '@clientele/platform/logging';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { parseJsonBody } from './http/json-body';
import { AccountsController } from './accounts/accounts.controller';
import { AuthController } from './auth/auth.controller';
import { BillingController } from './billing/billing.controller';
import { MessagingController } from './messaging/messaging.controller';
import { SchedulingController } from './scheduling/scheduling.controller';
import { ClientAccessController } from './auth/client-access.controller';
import { DevMailboxController } from './dev/dev-mailbox.controller';
import { MeController } from './me/me.controller';
import { StaffPasswordController } from './me/staff-password.controller';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { AuthRateLimitGuard, authThrottlerOptions } from './auth/auth-rate-limit.guard';
import { GatewayThrottlerStorage, RateLimitRecords } from './auth/rate-limit-records';
import { SignInThrottle } from './auth/sign-in-throttle';
import { getOptionsToken, getStorageToken } from '@nestjs/throttler';
import { ClientsController } from './clients/clients.controller';
import { ClientImportsController } from './clients/client-imports.controller';
import { GATEWAY_DEPS, GatewayDeps } from './gateway.deps';
import { HealthController } from './health/health.controller';
import { CorrelationInterceptor } from './http/correlation.interceptor';
import { ProblemFilter } from './http/problem.filter';
import { addSecurityHeaders } from './http/security-headers';
import { validationPipe } from './http/validation';
import { StaffController } from './staff/staff.controller';
import { MeasurementsController } from './measurements/measurements.controller';
import { PaymentsSettingsController } from './payments/payments-settings.controller';
import { keepsRawBody } from './payments/raw-body';
import { StripeWebhookController } from './payments/stripe-webhook.controller';

/** The HTTP API of api.md. Holds no state: every request goes to a service over the bus. */
@Module({})
export class GatewayModule {
  static register(deps: GatewayDeps): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [
        HealthController,
        AccountsController,
        AuthController,
        ClientAccessController,
        StaffController,
        ClientImportsController,
        ClientsController,
        MeController,
        StaffPasswordController,
        BillingController,
        MessagingController,
        SchedulingController,
        MeasurementsController,
        PaymentsSettingsController,
        StripeWebhookController,
        ...(deps.devMailbox ? [DevMailboxController] : []),
      ],
      providers: [
        { provide: GATEWAY_DEPS, useValue: deps },
        { provide: APP_FILTER, useValue: new ProblemFilter(deps.logger) },
        // Rate limits (@nestjs/throttler) counted in RateLimitRecords: shared by the replicas over NATS.
        RateLimitRecords,
        SignInThrottle,
        { provide: getOptionsToken(), useValue: authThrottlerOptions(deps.authRateLimitPerMinute, deps.jwtSecret) },
        { provide: getStorageToken(), useClass: GatewayThrottlerStorage },
        { provide: APP_GUARD, useClass: AuthRateLimitGuard },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_INTERCEPTOR, useClass: CorrelationInterceptor },
      ],
    };
  }
}

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * What the HTTP app needs beyond the module: validation, correlation ids from the first moment of a request, and the OpenAPI document of the real
 * controllers at /docs-json with Swagger UI at /docs.
 */
export function configureGatewayApp(app: NestFastifyApplication, logger: JsonLogger): void {
  const fastify = app.getHttpAdapter().getInstance();
  // CSV imports are streamed row by row (see csv-import.ts), never read whole: the route gets the stream.
  fastify.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));
  // JSON with a nesting limit (see json-body.ts); errors carry statusCode 400 for the problem filter.
  // Read as bytes: Stripe's webhook gets them untouched (its signature is of the exact bytes, see
  // payments/raw-body.ts); every other route gets them decoded as UTF-8 and parsed, as before.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (keepsRawBody(request)) return done(null, body);
    try {
      done(null, parseJsonBody((body as Buffer).toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-correlation-id'];
    const correlationId = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(given) ? given : randomUUID();
    (request as unknown as { correlationId: string }).correlationId = correlationId;
    void reply.header('x-correlation-id', correlationId);
    done();
  });
  addSecurityHeaders(fastify);
  app.useGlobalPipes(validationPipe());
  const document = SwaggerModule.createDocument(
    app as unknown as INestApplication,
    new DocumentBuilder()
      .setTitle('Clientele API')
      .setDescription('The back office coaches use to run their client roster. Errors are application/problem+json with a stable code.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  // No online validator badge: it would send the document's address to a third party (and the CSP refuses the image anyway).
  SwaggerModule.setup('docs', app as unknown as INestApplication, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { validatorUrl: null } });
  logger.debug('gateway configured', 'Gateway');
}
