import { BODY_LIMIT_BYTES, clientErrorHandler, configureGatewayApp, serveWebApp } from '@clientele/gateway/http';
import { RequestCorrelationInterceptor, RpcErrorFilter } from '@clientele/platform/bus';
import { ClienteleConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { startHealthServer } from './health-server';
import { PLATFORM, HostModule } from './host.module';
import { Platform } from './platform';

/**
 * Opens the adapters the configuration names, hosts the services it lists (answering their
 * requests on the in-process transport or NATS), and serves HTTP when the gateway is one of them.
 * Fastify, not Express: about 3x the requests per second under Nest here (bench/RESULTS.md).
 */
export async function bootstrap(config: ClienteleConfig, logger = new JsonLogger(config.logLevel)): Promise<NestFastifyApplication> {
  const platform = await Platform.open(config, logger);
  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      HostModule.for(platform),
      new FastifyAdapter({
        bodyLimit: BODY_LIMIT_BYTES,
        // X-Forwarded-For only from the configured proxies: from anyone else it is whatever the client
        // wrote, and trusting it let a client pick a fresh rate-limit bucket for every attempt.
        // Fastify walks the header from the right and stops at the first address it does not trust.
        trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
        clientErrorHandler,
      }),
      // The gateway registers its own JSON parser (with a nesting limit): Nest's would clash with it.
      { logger, bodyParser: false },
    );
    const services = config.services.filter((service) => service !== 'gateway');
    if (services.length > 0) {
      // One queue group per set of services: replicas of a service share its requests.
      const microservice = app.connectMicroservice(platform.transport.serverOptions(services.join('-')), { inheritAppConfig: false, deferInitialization: true });
      microservice.useGlobalFilters(new RpcErrorFilter());
      microservice.useGlobalInterceptors(new RequestCorrelationInterceptor());
    }
    if (config.services.includes('gateway')) {
      configureGatewayApp(app, logger);
      await serveWebApp(app, config.webDir);
    }
    await app.startAllMicroservices();
    if (config.services.includes('gateway')) await app.listen(config.port, config.host);
    else await app.init();
    if (config.healthPort !== undefined) platform.attach(await startHealthServer(platform, config.healthPort, config.host));
    return app;
  } catch (error) {
    await platform.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A graceful stop (SIGTERM): readiness turns 503 at once and stays so for the grace period, so load
 * balancers and probes move on; then HTTP stops taking connections and finishes the requests in
 * flight, the NATS subscriptions drain (requests already received are answered), the processors
 * finish their batch and hand their leases over, and the stores close.
 */
export async function shutdown(app: NestFastifyApplication, logger: JsonLogger, reason: string): Promise<void> {
  const platform = app.get<Platform>(PLATFORM);
  platform.startDraining();
  const grace = platform.config.shutdownGraceMs;
  logger.log(`${reason}: shutting down${grace ? ` after ${grace} ms of draining` : ''}`);
  if (grace > 0) await new Promise((resolve) => setTimeout(resolve, grace));
  await app.close();
}
