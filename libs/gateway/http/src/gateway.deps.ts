import type { RequestClient } from '@clientele/platform/bus';
import type { JsonLogger } from '@clientele/platform/logging';
import type { HealthCheck } from '@clientele/platform/runtime';
import type { RateLimitStore } from './auth/rate-limit-records';

export interface GatewayDeps {
  requests: RequestClient;
  jwtSecret: string;
  logger: JsonLogger;
  /** Requests per minute and IP address on each sign-up / sign-in route. */
  authRateLimitPerMinute: number;
  /**
   * Where the rate limits count: NATS KV shared by every gateway replica (a deployment over NATS),
   * or this process's memory (one gateway: the embedded profile). Default: memory.
   */
  rateLimitStore?: RateLimitStore;
  /**
   * The dependencies /health asks: this process's stores and bus, and every remote service, down
   * while one of its processors or consumers keeps failing; with `processing: false` (readiness),
   * such a service still counts as up.
   */
  healthChecks: (options?: { processing?: boolean }) => Record<string, HealthCheck>;
  /** True from the moment this process starts shutting down: /health/ready answers 503 from then on. */
  draining: () => boolean;
  /** Serve GET /api/v1/dev/mailbox (never in production). */
  devMailbox: boolean;
}

export const GATEWAY_DEPS = Symbol('GatewayDeps');
