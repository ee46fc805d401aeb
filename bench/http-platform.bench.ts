/**
 * Express or Fastify under Nest for the gateway, decided by measurement (issue 3):
 *   npm run bench:http-platform
 * Each platform's server runs in its own process; this process drives it over keep-alive
 * connections (GET /ping, and POST /clients with a validated body), and prints requests/s and
 * p50/p99 latency. The load generator shares the 2 cores with the server, so compare ratios,
 * not absolute figures.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

const QUICK = process.env.BENCH_QUICK === '1';
const REQUESTS = QUICK ? 500 : 20000;
const CONCURRENCY = 32;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
}

async function load(url: string, method: 'GET' | 'POST', route: string, body?: string): Promise<Figures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(route, url);
  const latencies: number[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const started = process.hrtime.bigint();
      const request = http.request(
        target,
        { method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode! >= 300) reject(new Error(`status ${response.statusCode}`));
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            resolve();
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const worker = async () => {
    while (next++ < REQUESTS) await one();
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: REQUESTS / seconds, p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)] };
}

async function measure(platform: 'express' | 'fastify') {
  const server = fork(path.join(__dirname, 'http', 'platform-server.ts'), [platform], {
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
  });
  const url = await new Promise<string>((resolve) => server.once('message', (m: { url: string }) => resolve(m.url)));
  const body = JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', type: 'full_access' });
  try {
    await load(url, 'GET', '/ping'); // warm-up
    await load(url, 'POST', '/clients', body);
    return { get: await load(url, 'GET', '/ping'), post: await load(url, 'POST', '/clients', body) };
  } finally {
    server.kill();
  }
}

async function main() {
  const express = await measure('express');
  const fastify = await measure('fastify');
  const row = (name: string, f: Figures) => `${name.padEnd(28)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms`;
  console.log(`${REQUESTS} requests, ${CONCURRENCY} keep-alive connections${QUICK ? ' (BENCH_QUICK: figures not meaningful)' : ''}`);
  console.log(row('express GET /ping', express.get));
  console.log(row('fastify GET /ping', fastify.get));
  console.log(row('express POST /clients', express.post));
  console.log(row('fastify POST /clients', fastify.post));
  console.log(`fastify/express throughput: GET ${(fastify.get.rps / express.get.rps).toFixed(2)}x, POST ${(fastify.post.rps / express.post.rps).toFixed(2)}x`);
}

void main();
