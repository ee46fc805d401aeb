import { BODY_LIMIT_BYTES, clientErrorHandler, configureGatewayApp, serveWebApp } from '@clientele/gateway/http';
import { RpcErrorFilter } from '@clientele/platform/bus';
import { ClienteleConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { recordHttpMetrics, serveMetrics } from '@clientele/platform/metrics';
import { startTracing, stopTracing } from '@clientele/platform/tracing';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHealthServer } from './health-server';
import { PLATFORM, HostModule } from './host.module';
import { Platform } from './platform';

/**
 * Opens the adapters the configuration names, hosts the services it lists (answering their
 * requests on the in-process transport or NATS), and serves HTTP when the gateway is one of them.
 * Fastify, not Express: about 3x the requests per second under Nest here (bench/RESULTS.md).
 */
export async function bootstrap(config: ClienteleConfig, logger = new JsonLogger(config.logLevel)): Promise<NestFastifyApplication> {
  // Traces (OTEL_EXPORTER_OTLP_ENDPOINT) before anything else of the process; off, nothing starts.
  startTracing(config.tracing);
  let platform: Platform;
  try {
    platform = await Platform.open(config, logger);
  } catch (error) {
    await stopTracing().catch(() => undefined);
    throw error;
  }
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
    }
    if (config.services.includes('gateway')) {
      const fastify = app.getHttpAdapter().getInstance();
      recordHttpMetrics(fastify, platform.metrics);
      // Unauthenticated, so on the public port only when asked for; always on the admin port (CLIENTELE_HEALTH_PORT).
      if (config.metricsPublic) serveMetrics(fastify, platform.metrics);
      configureGatewayApp(app, logger);
      closeConnectionsWhileDraining(fastify, platform);
      answerBeforeClosing(fastify);
      await serveWebApp(app, config.webDir);
    }
    await app.startAllMicroservices();
    if (config.services.includes('gateway')) await app.listen(config.port, config.host);
    else await app.init();
    if (config.healthPort !== undefined) {
      const admin = await startHealthServer(platform, config.healthPort, config.host);
      platform.attach(admin);
      const { port } = admin.address() as AddressInfo;
      platform.adminPort = port;
      logger.log(`health and metrics on the admin port ${port} (/health/live, /health/ready, /health, /metrics)`);
    }
    return app;
  } catch (error) {
    await platform.close().catch(() => undefined);
    await stopTracing().catch(() => undefined);
    throw error;
  }
}

/**
 * While the process drains (after SIGTERM), each answer closes its connection. A connection busy
 * when the stop began is not idle then, so the HTTP server's close leaves it open; kept alive
 * after its answer, it held the stop for Fastify's keep-alive timeout (72 s) although nothing was
 * left to do. A client reconnects for its next request, to a replica that is not stopping.
 */
export function closeConnectionsWhileDraining(fastify: FastifyInstance, platform: Pick<Platform, 'draining'>): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (platform.draining) reply.header('connection', 'close');
    done(null, payload);
  });
}

/**
 * After an answer sent before the request's body has all arrived, the rest of the body is read and
 * dropped, for at most this long, then the connection is cut (nginx's lingering close). A client
 * still sending then reads the answer.
 */
const LINGER_MS = 5_000;

/**
 * Issue 24, item 6: a refused upload is answered, not cut off. Fastify answers a body over the
 * limit (and its other body errors) with `connection: close`, and Node then closes the socket as
 * soon as the answer is written, while the client may still be sending: the client's next write
 * meets a closed socket (EPIPE, then a reset), and Node's fetch and some browsers report that
 * instead of the 413. So for every route and every answer (a 413, or a 404, 401, 415 that needed
 * no body) given before the body's end, the connection stays open and the rest of the body is
 * read and dropped (never kept); a client that goes on sending past LINGER_MS loses the connection.
 */
export function answerBeforeClosing(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const body = request.raw;
    if (!body.complete && !body.destroyed) {
      // Node's HTTP server reads an unfinished body to its end after the answer (the connection
      // can then serve the next request), unless the answer says `connection: close`.
      reply.removeHeader('connection');
      dropRestOf(body);
    }
    done(null, payload);
  });
}

function dropRestOf(body: IncomingMessage): void {
  const socket = body.socket;
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  cut.unref();
  const done = () => {
    clearTimeout(cut);
    body.off('end', done).off('error', done);
    socket.off('close', done);
  };
  body.once('end', done).once('error', done);
  socket.once('close', done);
  body.resume();
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
  // The spans of the last moments (the stop's included) are sent before the process exits.
  await stopTracing().catch((error) => logger.warn('the last spans could not be sent', { error }));
}
