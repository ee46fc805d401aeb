import { ConfigError, ClienteleConfig, ServiceName, describeConfig, loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { bootstrap, shutdown } from './bootstrap';

/**
 * The whole life of a Clientele process, shared by every app's `main.ts`: read the configuration,
 * host the services, stop gracefully on SIGTERM or SIGINT.
 *
 * `service`: the one service a deployable app (apps/clients, apps/gateway, ...) exists to run. It
 * hosts that service and no other: CLIENTELE_SERVICES may be left unset or name it (the compose
 * files name it, so a container says what it runs), but naming anything else is a configuration
 * error, not a silent override. Without `service` (apps/standalone), CLIENTELE_SERVICES decides,
 * every service by default.
 */
export function runProcess(options: { service?: ServiceName } = {}): void {
  run(options.service).catch((error) => {
    process.stderr.write(`Clientele failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
}

async function run(service?: ServiceName): Promise<void> {
  let config: ClienteleConfig;
  try {
    config = loadProcessConfig(service);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG: the configuration is wrong, restarting will not help.
    }
    throw error;
  }
  const logger = new JsonLogger(config.logLevel, process.stdout, 'Clientele');
  const app = await bootstrap(config, logger);
  const where = config.services.includes('gateway') ? `listening on ${await app.getUrl()}` : `serving ${config.services.join(', ')} over NATS`;
  logger.log(`Clientele is ${where}`, { config: describeConfig(config) });

  // Drain (readiness 503), stop taking requests, finish those in flight, hand leases over, close
  // the stores and the bus; then exit 0 so a supervisor reads it as a clean stop, not a crash.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    shutdown(app, logger, `${signal} received`).then(
      () => process.exit(0),
      (error) => {
        logger.error('shutdown failed', (error as Error).stack);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** The configuration of a process that hosts `service` alone (when given), from the environment. */
export function loadProcessConfig(service?: ServiceName, env: Record<string, string | undefined> = process.env): ClienteleConfig {
  if (!service) return loadConfig(env);
  const config = loadConfig({ ...env, CLIENTELE_SERVICES: env.CLIENTELE_SERVICES?.trim() || service });
  if (config.services.length !== 1 || config.services[0] !== service) {
    throw new ConfigError([
      `This is the ${service} service's process (apps/${service}), but CLIENTELE_SERVICES names ${config.services.join(', ')}. ` +
        `Leave CLIENTELE_SERVICES unset (or set it to ${service}), or run apps/standalone to host several services in one process.`,
    ]);
  }
  return config;
}
