import 'reflect-metadata';
import { ConfigError, describeConfig, loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { bootstrap, shutdown } from '@clientele/host';

/**
 * `npm start`: every Clientele service in one process (the embedded default), or the services
 * named by CLIENTELE_SERVICES when they run apart over NATS.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
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

main().catch((error) => {
  process.stderr.write(`Clientele failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
