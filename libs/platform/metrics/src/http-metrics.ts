import type { FastifyInstance } from 'fastify';
import type { ProcessMetrics } from './process-metrics';

/** The route label of a request no route matched: one series for all of them, whatever the URL. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Times every answer of this Fastify instance into `http_request_duration_seconds`, labelled with
 * the route's template (`/api/v1/clients/:id`, Fastify's `routeOptions.url`), never the raw URL:
 * ids in the label would make a series per client. One observe per answer, no I/O.
 */
export function recordHttpMetrics(fastify: FastifyInstance, metrics: ProcessMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttpRequest(request.routeOptions.url ?? UNMATCHED_ROUTE, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

/** GET /metrics on this Fastify instance (the gateway's public port, when CLIENTELE_METRICS_PUBLIC=true). */
export function serveMetrics(fastify: FastifyInstance, metrics: ProcessMetrics): void {
  fastify.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.contentType).header('cache-control', 'no-store');
    return metrics.text();
  });
}
