import 'reflect-metadata';
import { ConfigError, describeConfig, loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { bootstrap } from './bootstrap';

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
  await bootstrap(config, logger);
  logger.log(`Clientele is listening on ${config.publicUrl}`, { config: describeConfig(config) });
}

main().catch((error) => {
  process.stderr.write(`Clientele failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
