import { ClienteleConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { Platform } from './platform';

/** Opens the adapters the configuration names and serves HTTP on its port. */
export async function bootstrap(config: ClienteleConfig, logger = new JsonLogger(config.logLevel)): Promise<INestApplication> {
  const platform = await Platform.open(config);
  const app = await NestFactory.create(AppModule.with(platform), { logger });
  await app.listen(config.port);
  return app;
}
