import { HealthCheck, checkHealth } from '@clientele/platform/runtime';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';

@ApiTags('Operations')
@Controller()
export class HealthController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Get('health')
  @Public()
  @ApiOperation({
    summary:
      '200 when every dependency answers, 503 otherwise; also 503 while a processor (a projection, an outbox) or an event consumer of a service keeps failing, with the check of that service naming it.',
  })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.report(reply, this.deps.healthChecks());
  }

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'Liveness: 200 while this process runs and answers. A supervisor restarts the process when it does not.' })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Public()
  @ApiOperation({
    summary:
      'Readiness: 200 when this gateway can serve (every dependency answers), 503 when it cannot or is shutting down. A load balancer sends requests only to ready gateways.',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    if (this.deps.draining()) {
      void reply.status(503);
      return { status: 'draining', checks: {} };
    }
    // A failing processor is in /health, not here: every gateway would leave the load balancer for it.
    return this.report(reply, this.deps.healthChecks({ processing: false }));
  }

  private async report(reply: FastifyReply, checks: Record<string, HealthCheck>) {
    const report = await checkHealth(checks);
    void reply.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}
