import { checkHealth } from '@clientele/platform/runtime';
import { Server, createServer } from 'node:http';
import type { Platform } from './platform';

/**
 * The admin port (CLIENTELE_HEALTH_PORT) of any process, the gateway's included: what an
 * orchestrator probes and Prometheus scrapes, apart from the public API. `/health/live`: the
 * process runs and its event loop answers. `/health/ready`: its stores and the bus answer and it is
 * not shutting down. `/health`: readiness, and also 503 while one of its processors or consumers
 * keeps failing (for operators and monitoring, not for probes: see Platform.healthChecks).
 * `/metrics`: this process's Prometheus metrics. Nothing else is served.
 */
export async function startHealthServer(platform: Platform, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET') return answer(405, { status: 'method_not_allowed' });
    if (path === '/health/live') return answer(200, { status: 'ok' });
    if (path === '/metrics') {
      void platform.metrics.text().then(
        (text) => {
          response.writeHead(200, { 'content-type': platform.metrics.contentType, 'cache-control': 'no-store' });
          response.end(text);
        },
        () => answer(500, { status: 'metrics_failed' }),
      );
      return;
    }
    if (path === '/health') {
      void checkHealth(platform.processHealthChecks()).then(
        (report) => answer(report.status === 'ok' ? 200 : 503, report),
        () => answer(503, { status: 'unavailable', checks: {} }),
      );
      return;
    }
    if (path === '/health/ready') {
      if (platform.draining) return answer(503, { status: 'draining', checks: {} });
      void checkHealth(platform.readinessChecks()).then(
        (report) => answer(report.status === 'ok' ? 200 : 503, report),
        () => answer(503, { status: 'unavailable', checks: {} }),
      );
      return;
    }
    answer(404, { status: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
