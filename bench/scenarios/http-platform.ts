/**
 * `http-platform` (optional: `--only http-platform`): the decision record of issue 3, Express or
 * Fastify under Nest for the gateway. The same Nest app (bench/http/platform-server.ts: GET /ping,
 * and POST /clients with a body validated by class-validator, as in the gateway) on each platform
 * in its own process, driven from this one over 32 keep-alive connections. The figure is
 * Fastify's, its "floor" is Express's; ratio = Fastify / Express for req/s.
 */
import { Figure } from '../lib/figures';
import { HttpClient, runLoad } from '../lib/load';
import { pct } from '../lib/measure';
import type { Scenario } from '../lib/scenario';
import { forkTs, stopChild } from '../lib/system';

const CONCURRENCY = 32;

async function measure(platform: 'express' | 'fastify', requests: number) {
  const server = await forkTs<{ url: string }>('bench/http/platform-server.ts', [platform], {});
  const http = new HttpClient(server.message.url, undefined, CONCURRENCY);
  const body = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', type: 'full_access' };
  const get = () => http.expect(200, 'GET', '/ping');
  const post = () => http.expect(201, 'POST', '/clients', body);
  try {
    await runLoad(requests / 4, CONCURRENCY, get);
    await runLoad(requests / 4, CONCURRENCY, post);
    const g = await runLoad(requests, CONCURRENCY, get);
    const p = await runLoad(requests, CONCURRENCY, post);
    const figures = (r: typeof g) => ({ rps: requests / r.seconds, p50: pct(r.latencies, 0.5), errors: r.errors });
    return { get: figures(g), post: figures(p) };
  } finally {
    http.close();
    await stopChild(server.child);
  }
}

export const httpPlatformScenario: Scenario = {
  name: 'http-platform',
  title: 'Nest on Fastify vs Nest on Express for the gateway kind of request (optional)',
  optional: true,
  async run(context) {
    const requests = context.quick ? 500 : 20_000;
    const express = await measure('express', requests);
    const fastify = await measure('fastify', requests);
    if (express.get.errors + express.post.errors + fastify.get.errors + fastify.post.errors > 0) throw new Error('a platform answered errors');
    context.log(`  ${requests} requests per route, ${CONCURRENCY} keep-alive connections; p50 GET express ${express.get.p50.toFixed(2)} / fastify ${fastify.get.p50.toFixed(2)} ms`);
    const base = { scenario: 'http-platform', unit: 'req/s', better: 'higher' as const, floorIs: 'Express' };
    return [
      { ...base, name: 'http-platform-get-ping', value: fastify.get.rps, floor: express.get.rps },
      { ...base, name: 'http-platform-post-validated', value: fastify.post.rps, floor: express.post.rps },
    ] satisfies Figure[];
  },
};
