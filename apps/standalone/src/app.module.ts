import { checkHealth } from '@clientele/platform/runtime';
import { Controller, DynamicModule, Get, Inject, Module, OnApplicationShutdown, Res } from '@nestjs/common';
import { Platform } from './platform';

export const PLATFORM = Symbol.for('clientele.platform');

@Controller()
class HealthController {
  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  /** 200 when every dependency answers, 503 otherwise (api.md, Operations). */
  @Get('health')
  async health(@Res({ passthrough: true }) response: { status(code: number): unknown }) {
    const report = await checkHealth(this.platform.healthChecks());
    response.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  static with(platform: Platform): DynamicModule {
    return { module: AppModule, controllers: [HealthController], providers: [{ provide: PLATFORM, useValue: platform }] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.platform.close();
  }
}
