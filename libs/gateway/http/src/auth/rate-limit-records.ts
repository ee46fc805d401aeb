import { FixedWindowThrottlerStorage, InMemoryRecords, NatsKvRecords, ResilientRecords, SharedRecords } from '@clientele/platform/coordination';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';

/**
 * Where the gateway's rate limits count. `memory`: in this process, for a deployment with one
 * gateway (the embedded profile). `nats`: in NATS JetStream KV buckets that every gateway replica
 * shares, so N replicas give the allowance once, not N times.
 */
export type RateLimitStore =
  | { kind: 'memory' }
  | {
      kind: 'nats';
      servers: string | string[];
      auth?: { user: string; pass: string } | { token: string };
      /** As the bus's: the buckets are `<namespace>-ratelimits` and `<namespace>-known-sign-ins`. */
      namespace?: string;
      /** Copies of each bucket in a JetStream cluster. */
      replicas?: number;
    };

/** Counters live an hour at most (the longest window or delay is shorter). */
const COUNTERS_MAX_AGE_MS = 2 * 60 * 60_000;
/** An address a login signed in from counts as that login's own for 30 days. */
export const KNOWN_SIGN_IN_LIFE_MS = 30 * 24 * 60 * 60_000;

/**
 * The records the rate limits keep: `counters` (per-address windows, sign-in failures; short
 * lived) and `knownSignIns` (which addresses each login signed in from; a month), opened at start
 * and closed at shutdown.
 *
 * Over NATS, when the KV does not answer the limits count in this gateway alone until it does
 * (ResilientRecords), with a warning: see the README's "Rate limits" for why neither failing
 * open nor failing closed.
 */
@Injectable()
export class RateLimitRecords implements OnModuleInit, OnApplicationShutdown {
  private opened: { counters: SharedRecords; knownSignIns: SharedRecords } | undefined;

  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  get counters(): SharedRecords {
    return this.records().counters;
  }

  get knownSignIns(): SharedRecords {
    return this.records().knownSignIns;
  }

  async onModuleInit(): Promise<void> {
    const store = this.deps.rateLimitStore ?? { kind: 'memory' };
    if (store.kind === 'memory') {
      this.opened = { counters: new InMemoryRecords(), knownSignIns: new InMemoryRecords() };
      return;
    }
    const logger = this.deps.logger;
    const open = async (bucket: string, maxAgeMs: number) =>
      new ResilientRecords(
        await NatsKvRecords.connect({ servers: store.servers, auth: store.auth, namespace: store.namespace, replicas: store.replicas, bucket, maxAgeMs }),
        new InMemoryRecords(),
        {
          onUnavailable: (error) => logger.warn(`rate limits: ${error.message}; counting in this gateway alone until NATS KV answers again`, 'RateLimits'),
          onRecovered: () => logger.log('rate limits: NATS KV answers again; counting with every gateway', 'RateLimits'),
        },
      );
    this.opened = { counters: await open('ratelimits', COUNTERS_MAX_AGE_MS), knownSignIns: await open('known-sign-ins', KNOWN_SIGN_IN_LIFE_MS) };
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    await Promise.all([opened?.counters.close(), opened?.knownSignIns.close()]);
  }

  private records(): { counters: SharedRecords; knownSignIns: SharedRecords } {
    if (!this.opened) throw new Error('the rate-limit records are not open (before start, or after shutdown)');
    return this.opened;
  }
}

/** The @nestjs/throttler storage of the gateway: fixed windows in the rate-limit counters. */
@Injectable()
export class GatewayThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly records: RateLimitRecords) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    return new FixedWindowThrottlerStorage(this.records.counters).increment(key, ttl, limit, blockDuration, throttlerName);
  }
}
