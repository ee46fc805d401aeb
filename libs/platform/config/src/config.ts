import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { parse as parsePostgresUrl } from 'pg-connection-string';
import { parseCrashOnce } from './crash-points';

/**
 * The one validated configuration of a Clientele process, read from the environment only. A
 * profile sets defaults; every adapter can be overridden on its own. Anything unknown or malformed
 * stops the start with sentences saying what is wrong and how to fix it.
 */
export const SERVICES = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const PROFILES = ['embedded', 'distributed'] as const;
export const EVENT_STORES = ['sqlite', 'eventstoredb', 'postgres'] as const;
export const DOCUMENT_STORES = ['sqlite', 'mongodb', 'postgres'] as const;
export const BUSES = ['in-process', 'nats'] as const;
export const MAILERS = ['dev-mailbox', 'sendgrid'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const NODE_ENVS = ['development', 'test', 'production'] as const;

export interface ClienteleConfig {
  nodeEnv: (typeof NODE_ENVS)[number];
  profile: (typeof PROFILES)[number];
  services: ServiceName[];
  eventStore: (typeof EVENT_STORES)[number];
  documentStore: (typeof DOCUMENT_STORES)[number];
  bus: (typeof BUSES)[number];
  mail: (typeof MAILERS)[number];
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  /** The built web app the gateway serves at `/`. */
  webDir: string;
  natsServers: string[];
  /** Credentials NATS_URL carried (`nats://user:password@host` or `nats://token@host`), taken out of natsServers: the NATS client wants them apart. */
  natsAuth?: NatsAuth;
  natsNamespace?: string;
  /** Copies JetStream keeps of every stream and key-value bucket: 1 on one server, 3 on a 3-node cluster. */
  busReplicas: number;
  authRateLimitPerMinute: number;
  /**
   * Addresses and CIDR ranges of the reverse proxies in front of the gateway: only a request whose
   * socket address is one of them has its client address taken from X-Forwarded-For (none: never).
   */
  trustedProxies: string[];
  eventStoreUrl?: string;
  mongoUrl?: string;
  mongoDatabase: string;
  /** The PostgreSQL database of the postgres stores; every service keeps its own schemas in it. */
  postgresUrl?: string;
  /** Most connections each PostgreSQL store of a service opens. */
  postgresPoolSize: number;
  sendgridApiKey?: string;
  mailFrom: string;
  jwtSecret?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  requestTimeoutMs: number;
  /** Replicated deployments: how long a processor's lease outlives its holder's last renewal. */
  leaseTtlMs: number;
  /** The admin port of any process: /health/live, /health/ready, /health and /metrics (none when unset). */
  healthPort?: number;
  /** Whether the gateway also serves GET /metrics on its public port (unauthenticated), besides the admin port. */
  metricsPublic: boolean;
  /** On SIGTERM: how long readiness answers 503 before the process stops taking requests. */
  shutdownGraceMs: number;
  /** Ack wait of the NATS bus's durable consumers; unset: the bus default (5 s). */
  busAckWaitMs?: number;
  /** Dev mailbox only: every mail takes this long to send, like a slow mail provider (0: none). */
  devMailboxDelayMs: number;
  /** Whether the gateway serves GET /api/v1/dev/mailbox (unauthenticated: anyone who reaches it reads every mail, reset links included). */
  devMailboxServed: boolean;
  /** Another address for Stripe's API (a local stand-in, a proxy); unset: Stripe's own. */
  stripeApiUrl?: string;
  /**
   * Whether a checkout of a business that has not connected Stripe completes at once, unpaid (the
   * development provider). Never in production: there such a business cannot sell.
   */
  immediatePayments: boolean;
  /** Traces (OpenTelemetry over OTLP/HTTP): on when OTEL_EXPORTER_OTLP_ENDPOINT is set, off (undefined) otherwise. */
  tracing?: { endpoint: string; serviceName: string };
}

/** Every setting we read, with what it is for: the source of the "unknown setting" check and of the README table. */
export const SETTINGS: Record<string, string> = {
  NODE_ENV: 'development | test | production (default development).',
  CLIENTELE_PROFILE: 'embedded (one process, SQLite, in-process bus; the default) | distributed (EventStoreDB, MongoDB, NATS, SendGrid).',
  CLIENTELE_SERVICES: `Comma-separated services this process hosts (default: all of ${SERVICES.join(', ')}).`,
  CLIENTELE_EVENT_STORE: 'sqlite | eventstoredb | postgres (default from the profile).',
  CLIENTELE_DOCUMENT_STORE: 'sqlite | mongodb | postgres (default from the profile).',
  CLIENTELE_BUS: 'in-process | nats (default from the profile).',
  CLIENTELE_MAIL: 'dev-mailbox | sendgrid (default from the profile).',
  CLIENTELE_HEALTH_PORT:
    'The admin port of a process, the gateway\'s included: GET /health/live and /health/ready (probes), /health, and /metrics (Prometheus text). Keep it off the public network. Unset: none (a service replica then serves no HTTP at all).',
  CLIENTELE_METRICS_PUBLIC:
    'true | false: the gateway also serves GET /metrics on its public port (PORT), with no sign-in: whoever reaches it reads the request rates, routes and backlogs. Default false: /metrics only on the admin port (CLIENTELE_HEALTH_PORT) of every process.',
  CLIENTELE_SHUTDOWN_GRACE_MS:
    'On SIGTERM, how long /health/ready answers 503 before the process stops taking requests, so load balancers move on first (default 0; 5000 in docker-compose.yml).',
  CLIENTELE_LEASE_TTL_MS:
    'NATS bus only: how long a projection or outbox lease outlives its holder (default 5000). When the replica running a processor dies, another takes over within about this long; see docs/SCALING.md.',
  CLIENTELE_REQUEST_TIMEOUT_MS: 'How long a request over the bus may take before it answers 503 unavailable (default 5000). A command waits for its read models this long less 1 s, and never under 5 s.',
  CLIENTELE_BUS_ACK_WAIT_MS:
    'NATS bus only: how long a delivered event may go without an acknowledgement or a sign of life before it is redelivered (default 5000). Handlers send a sign of life every third of it; it bounds how long a delivery lost in a crash holds up the events behind it.',
  CLIENTELE_DEV_MAILBOX_DELAY_MS: 'Dev mailbox only: every mail takes this many milliseconds to send, to try out a slow mail provider (default 0).',
  CLIENTELE_DEV_MAILBOX:
    'true | false: serve the dev mailbox (GET /api/v1/dev/mailbox, no sign-in: whoever reaches it reads every mail, reset and invitation links included). Default: served only outside production while HOST is a loopback address (127.0.0.1, ::1, localhost); never with NODE_ENV=production.',
  HOST: 'Address the gateway listens on (default 127.0.0.1; 0.0.0.0 in containers).',
  PORT: 'HTTP port of the gateway (default 3000; 0 picks a free one).',
  PUBLIC_URL: 'Base URL used in e-mail links (default http://localhost:$PORT).',
  DATA_DIR: 'Folder for the SQLite files and the generated JWT secret (default ./data).',
  CLIENTELE_WEB_DIR: 'Folder of the built web app the gateway serves at / (default ./dist/web, which npm run build writes).',
  NATS_URL:
    'Comma-separated NATS servers (default nats://127.0.0.1:4222), with the credentials the servers ask for: nats://user:password@host:4222 or nats://token@host:4222 (percent-encode special characters). Credentials are never logged.',
  CLIENTELE_NATS_NAMESPACE: 'Prefix for every NATS subject, stream and bucket, so several systems can share one NATS server (default none).',
  CLIENTELE_BUS_REPLICAS:
    'NATS bus only: copies JetStream keeps of every stream and key-value bucket (events, dead letters, leases), 1 to 5 (default 1). Set it to the size of the NATS cluster (3 in production) so that losing a node loses nothing; existing streams are raised to it on start.',
  CLIENTELE_AUTH_RATE_LIMIT: 'Requests per minute one IP address may make to each sign-up and sign-in route (default 30).',
  CLIENTELE_TRUSTED_PROXIES:
    'Comma-separated IP addresses or CIDR ranges of the reverse proxies in front of the gateway, e.g. 10.0.0.5,172.28.0.0/24. Only a request arriving from one of them has its client address (rate limits, logs) taken from X-Forwarded-For; from anyone else the header is ignored. Default: none (the socket address always).',
  EVENTSTORE_URL: 'EventStoreDB connection string, e.g. esdb://localhost:2113?tls=false (required with eventstoredb).',
  MONGO_URL: 'MongoDB connection string, e.g. mongodb://localhost:27017 (required with mongodb).',
  MONGO_DATABASE: 'Database-name prefix for read models (default clientele).',
  POSTGRES_URL:
    'PostgreSQL connection string of one database, e.g. postgres://clientele:secret@localhost:5432/clientele (required with postgres). Each service keeps its events in the schema <service>, its read models in <service>_rm and its keys in <service>_keys, created on start. Never logged with its password.',
  CLIENTELE_POSTGRES_POOL_SIZE:
    'PostgreSQL stores only: most connections each store of a service opens, 2 to 200 (default 10). A process opens up to three stores per service it hosts, plus one listening connection per event store: keep the total across replicas under the server\'s max_connections.',
  SENDGRID_API_KEY: 'SendGrid API key (required with sendgrid). Never logged.',
  MAIL_FROM: 'Sender address of e-mails (default no-reply@clientele.local).',
  JWT_SECRET: 'Secret signing access tokens, at least 32 characters (default: generated once and kept in DATA_DIR). Never logged.',
  LOG_LEVEL: 'debug | info | warn | error (default info).',
  OTEL_EXPORTER_OTLP_ENDPOINT:
    'Traces: the OTLP/HTTP address of an OpenTelemetry collector (or Jaeger, Tempo...), e.g. http://otel-collector:4318; spans go to <it>/v1/traces as JSON. Unset (the default): no traces, and no tracing SDK is started. The other OTEL_EXPORTER_OTLP_* and OTEL_BSP_* settings of the OpenTelemetry SDK apply as usual.',
  OTEL_SERVICE_NAME:
    'Traces only: the service.name of this process\'s spans (default clientele-<its services joined by ->, e.g. clientele-billing; clientele for a process hosting every service).',
  STRIPE_API_URL:
    "Another address for Stripe's API, http(s)://host:port: a local stand-in in tests, or an egress proxy. Unset: Stripe's own (api.stripe.com). Each business connects its own Stripe keys in Settings; none is configured here.",
  CLIENTELE_CRASH_ONCE:
    'Tests only: <crash point>:<marker file>, e.g. billing.provider-event-recorded:/tmp/crashed. The first time the process reaches that crash point while the marker file does not exist, it creates the file and kills itself (SIGKILL), to test a crash at that exact moment (libs/platform/config/src/crash-points.ts). Refused with NODE_ENV=production.',
  CLIENTELE_IMMEDIATE_PAYMENTS:
    'true | false: whether a checkout of a business that has not connected Stripe completes at once, without any payment (default true, except with NODE_ENV=production: false, and true is refused there). Set false to try the production behaviour: such a business cannot sell (payments_not_configured).',
};

/** Settings whose values never appear in logs or error messages. */
export const SECRET_SETTINGS = new Set(['SENDGRID_API_KEY', 'JWT_SECRET', 'EVENTSTORE_URL', 'MONGO_URL', 'NATS_URL', 'POSTGRES_URL']);

/** How a NATS client proves who it is: user and password, or a token (the options of the nats client). */
export type NatsAuth = { user: string; pass: string } | { token: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Clientele cannot start because of its configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): ClienteleConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = read(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.join(', ')}; it is "${value}".`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}; it is "${value}".`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, schemes: readonly string[], value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const shown = SECRET_SETTINGS.has(name) ? 'the value given' : `"${value}"`;
    try {
      const parsed = new URL(value);
      if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) {
        problems.push(`${name} must start with ${schemes.map((s) => `${s}://`).join(' or ')}; ${shown} does not.`);
      }
    } catch {
      problems.push(`${name} must be a URL (${schemes.map((s) => `${s}://...`).join(' or ')}); ${shown} is not one.`);
    }
    return value;
  };

  for (const name of Object.keys(env)) {
    if (name.startsWith('CLIENTELE_') && !(name in SETTINGS)) {
      const suggestion = closest(name, Object.keys(SETTINGS).filter((s) => s.startsWith('CLIENTELE_')));
      problems.push(
        `${name} is not a Clientele setting${suggestion ? `; did you mean ${suggestion}?` : '.'} Known settings are listed in the README.`,
      );
    }
  }

  const nodeEnv = oneOf('NODE_ENV', NODE_ENVS, 'development');
  const crashOnce = read('CLIENTELE_CRASH_ONCE');
  if (crashOnce !== undefined && nodeEnv === 'production') {
    problems.push('CLIENTELE_CRASH_ONCE makes the process kill itself on purpose, for tests; unset it in production.');
  } else if (crashOnce !== undefined) {
    try {
      parseCrashOnce(crashOnce);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const profile = oneOf('CLIENTELE_PROFILE', PROFILES, 'embedded');
  const distributed = profile === 'distributed';
  const eventStore = oneOf('CLIENTELE_EVENT_STORE', EVENT_STORES, distributed ? 'eventstoredb' : 'sqlite');
  const documentStore = oneOf('CLIENTELE_DOCUMENT_STORE', DOCUMENT_STORES, distributed ? 'mongodb' : 'sqlite');
  const bus = oneOf('CLIENTELE_BUS', BUSES, distributed ? 'nats' : 'in-process');
  const mail = oneOf('CLIENTELE_MAIL', MAILERS, distributed ? 'sendgrid' : 'dev-mailbox');

  let services: ServiceName[] = [...SERVICES];
  const servicesValue = read('CLIENTELE_SERVICES');
  if (servicesValue !== undefined) {
    const listed = servicesValue.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = listed.filter((s) => !(SERVICES as readonly string[]).includes(s));
    if (unknown.length) problems.push(`CLIENTELE_SERVICES names unknown services (${unknown.join(', ')}); known: ${SERVICES.join(', ')}.`);
    else if (listed.length === 0) problems.push('CLIENTELE_SERVICES is empty; name at least one service or leave it unset for all.');
    else services = [...new Set(listed)] as ServiceName[];
  }
  if (bus === 'in-process' && services.length !== SERVICES.length) {
    problems.push('CLIENTELE_SERVICES hosts only some services, but the in-process bus cannot reach services in other processes; set CLIENTELE_BUS=nats.');
  }

  const port = integer('PORT', 3000, 0, 65535);
  const host = read('HOST') ?? '127.0.0.1';
  const requestTimeoutMs = integer('CLIENTELE_REQUEST_TIMEOUT_MS', 5000, 100, 120_000);
  const leaseTtlMs = integer('CLIENTELE_LEASE_TTL_MS', 5000, 1000, 120_000);
  const healthPort = read('CLIENTELE_HEALTH_PORT') === undefined ? undefined : integer('CLIENTELE_HEALTH_PORT', 8081, 0, 65535);
  const shutdownGraceMs = integer('CLIENTELE_SHUTDOWN_GRACE_MS', 0, 0, 120_000);
  const metricsPublic = oneOf('CLIENTELE_METRICS_PUBLIC', ['true', 'false'] as const, 'false') === 'true';
  const busAckWaitMs = read('CLIENTELE_BUS_ACK_WAIT_MS') === undefined ? undefined : integer('CLIENTELE_BUS_ACK_WAIT_MS', 5000, 1000, 600_000);
  if (busAckWaitMs !== undefined && bus !== 'nats') {
    problems.push('CLIENTELE_BUS_ACK_WAIT_MS applies to the NATS bus only (the in-process bus has no ack wait); unset it or set CLIENTELE_BUS=nats.');
  }
  const devMailboxDelayMs = integer('CLIENTELE_DEV_MAILBOX_DELAY_MS', 0, 0, 60_000);
  if (devMailboxDelayMs > 0 && mail !== 'dev-mailbox') {
    problems.push('CLIENTELE_DEV_MAILBOX_DELAY_MS slows down the dev mailbox only, and mail goes to SendGrid here; unset it or set CLIENTELE_MAIL=dev-mailbox.');
  }
  const devMailboxSetting = read('CLIENTELE_DEV_MAILBOX') === undefined ? undefined : oneOf('CLIENTELE_DEV_MAILBOX', ['true', 'false'] as const, 'false');
  if (devMailboxSetting === 'true' && nodeEnv === 'production') {
    problems.push('CLIENTELE_DEV_MAILBOX=true would let anyone read every mail (reset links included) in production; unset it, or run with NODE_ENV=development.');
  }
  // Unauthenticated by design, so by default only where nobody else can reach it: a loopback address.
  const devMailboxServed =
    nodeEnv !== 'production' && (devMailboxSetting === undefined ? isLoopback(host) : devMailboxSetting === 'true');
  const publicUrl = url('PUBLIC_URL', ['http', 'https'], read('PUBLIC_URL')) ?? `http://localhost:${port}`;
  const dataDirValue = read('DATA_DIR') ?? 'data';
  const dataDir = isAbsolute(dataDirValue) ? dataDirValue : resolve(cwd, dataDirValue);
  const webDirValue = read('CLIENTELE_WEB_DIR') ?? 'dist/web';
  const webDir = isAbsolute(webDirValue) ? webDirValue : resolve(cwd, webDirValue);

  const natsUrls = (read('NATS_URL') ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()).filter(Boolean);
  natsUrls.forEach((server) => url('NATS_URL', ['nats', 'tls', 'ws', 'wss'], server));
  const { servers: natsServers, auth: natsAuth } = natsCredentials(natsUrls, problems);

  const natsNamespace = read('CLIENTELE_NATS_NAMESPACE');
  if (natsNamespace !== undefined && !/^[a-z][a-z0-9-]{0,30}$/.test(natsNamespace)) {
    problems.push(`CLIENTELE_NATS_NAMESPACE must be up to 31 lowercase letters, digits or hyphens, starting with a letter; it is "${natsNamespace}".`);
  }
  const busReplicas = integer('CLIENTELE_BUS_REPLICAS', 1, 1, 5);
  if (read('CLIENTELE_BUS_REPLICAS') !== undefined && bus !== 'nats') {
    problems.push('CLIENTELE_BUS_REPLICAS applies to the NATS bus only, and this process uses the in-process bus; unset it or run the distributed profile.');
  }
  const authRateLimitPerMinute = integer('CLIENTELE_AUTH_RATE_LIMIT', 30, 1, 100_000);
  const trustedProxies = (read('CLIENTELE_TRUSTED_PROXIES') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of trustedProxies) {
    const problem = proxyAddressProblem(entry);
    if (problem) problems.push(`CLIENTELE_TRUSTED_PROXIES: "${entry}" ${problem}`);
  }

  const eventStoreUrl = read('EVENTSTORE_URL');
  const eventStoreProblem = eventStoreUrl === undefined ? null : eventStoreUrlProblem(eventStoreUrl);
  if (eventStoreProblem) problems.push(`EVENTSTORE_URL ${eventStoreProblem}`);
  if (eventStore === 'eventstoredb' && !eventStoreUrl) {
    problems.push('The eventstoredb event store needs EVENTSTORE_URL (e.g. esdb://localhost:2113?tls=false); or set CLIENTELE_EVENT_STORE=sqlite.');
  }
  const mongoUrl = read('MONGO_URL');
  const mongoProblem = mongoUrl === undefined ? null : mongoUrlProblem(mongoUrl);
  if (mongoProblem) problems.push(`MONGO_URL ${mongoProblem}`);
  if (documentStore === 'mongodb' && !mongoUrl) {
    problems.push('The mongodb document store needs MONGO_URL (e.g. mongodb://localhost:27017); or set CLIENTELE_DOCUMENT_STORE=sqlite.');
  }
  const postgresUrl = read('POSTGRES_URL');
  const postgresProblem = postgresUrl === undefined ? null : postgresUrlProblem(postgresUrl);
  if (postgresProblem) problems.push(`POSTGRES_URL ${postgresProblem}`);
  const postgresUsers = [eventStore === 'postgres' && 'event store', documentStore === 'postgres' && 'document store'].filter(Boolean);
  if (postgresUsers.length > 0 && postgresUrl === undefined) {
    const settings = [eventStore === 'postgres' && 'CLIENTELE_EVENT_STORE', documentStore === 'postgres' && 'CLIENTELE_DOCUMENT_STORE'].filter(Boolean);
    problems.push(
      `The postgres ${postgresUsers.join(' and ')} need${postgresUsers.length === 1 ? 's' : ''} POSTGRES_URL (e.g. postgres://clientele:secret@localhost:5432/clientele); or set ${settings.join(' and ')} to sqlite.`,
    );
  }
  const postgresPoolSize = integer('CLIENTELE_POSTGRES_POOL_SIZE', 10, 2, 200);
  if (read('CLIENTELE_POSTGRES_POOL_SIZE') !== undefined && postgresUsers.length === 0) {
    problems.push('CLIENTELE_POSTGRES_POOL_SIZE applies to the PostgreSQL stores only, and none is chosen; unset it or set CLIENTELE_EVENT_STORE=postgres or CLIENTELE_DOCUMENT_STORE=postgres.');
  }
  const mongoDatabase = read('MONGO_DATABASE') ?? 'clientele';
  if (!/^[A-Za-z0-9_-]{1,38}$/.test(mongoDatabase)) problems.push(`MONGO_DATABASE must be 1 to 38 letters, digits, _ or -; it is "${mongoDatabase}".`);

  const sendgridApiKey = read('SENDGRID_API_KEY');
  if (mail === 'sendgrid' && !sendgridApiKey) {
    problems.push('Sending mail with SendGrid needs SENDGRID_API_KEY; or set CLIENTELE_MAIL=dev-mailbox.');
  }
  const mailFrom = read('MAIL_FROM') ?? 'no-reply@clientele.local';
  if (!/^[^\s@]+@[^\s@]+$/.test(mailFrom)) problems.push(`MAIL_FROM must be an e-mail address; it is "${mailFrom}".`);

  const jwtSecret = read('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters long; leave it unset to have one generated and kept in DATA_DIR.');
  }
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info');

  const stripeApiUrl = url('STRIPE_API_URL', ['http', 'https'], read('STRIPE_API_URL'));
  const immediatePaymentsSetting = read('CLIENTELE_IMMEDIATE_PAYMENTS') === undefined ? undefined : oneOf('CLIENTELE_IMMEDIATE_PAYMENTS', ['true', 'false'] as const, 'false');
  if (immediatePaymentsSetting === 'true' && nodeEnv === 'production') {
    problems.push('CLIENTELE_IMMEDIATE_PAYMENTS=true would complete every checkout without a payment in production; unset it (each business connects Stripe in Settings), or run with NODE_ENV=development.');
  }
  const immediatePayments = nodeEnv !== 'production' && immediatePaymentsSetting !== 'false';

  const otlpEndpoint = url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http', 'https'], read('OTEL_EXPORTER_OTLP_ENDPOINT'));
  const serviceName = read('OTEL_SERVICE_NAME') ?? (services.length === SERVICES.length ? 'clientele' : `clientele-${services.join('-')}`);
  const tracing = otlpEndpoint === undefined ? undefined : { endpoint: otlpEndpoint, serviceName };

  if (problems.length) throw new ConfigError(problems);
  return {
    nodeEnv,
    profile,
    services,
    eventStore,
    documentStore,
    bus,
    mail,
    port,
    host,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    dataDir,
    webDir,
    natsServers,
    natsAuth,
    natsNamespace,
    busReplicas,
    authRateLimitPerMinute,
    trustedProxies,
    eventStoreUrl,
    mongoUrl,
    mongoDatabase,
    postgresUrl,
    postgresPoolSize,
    sendgridApiKey,
    mailFrom,
    jwtSecret,
    logLevel,
    requestTimeoutMs,
    leaseTtlMs,
    healthPort,
    metricsPublic,
    shutdownGraceMs,
    busAckWaitMs,
    devMailboxDelayMs,
    devMailboxServed,
    stripeApiUrl,
    immediatePayments,
    tracing,
  };
}

/** 127.0.0.0/8, ::1 and localhost: an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * Why an entry of CLIENTELE_TRUSTED_PROXIES is refused (a sentence ending in how to fix it), or
 * null: an IPv4 or IPv6 address, or a CIDR range of them narrower than the whole address space
 * (trusting every address is what let anyone choose their own rate-limit bucket).
 */
function proxyAddressProblem(entry: string): string | null {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return 'is neither an IP address nor a CIDR range; list the proxies as addresses (10.0.0.5, fd00::5) or ranges (10.0.0.0/24), separated by commas.';
  }
  if (prefix === undefined) return null;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    return `has an invalid prefix length; an IPv${family} range ends in /0 to /${bits}, e.g. ${family === 4 ? '10.0.0.0/24' : 'fd00::/64'}.`;
  }
  if (Number(prefix) === 0) {
    return 'trusts every address, so any client could choose its own address in X-Forwarded-For; list only the proxies in front of the gateway.';
  }
  return null;
}

/** The configuration as it may be logged: secrets masked. */
export function describeConfig(config: ClienteleConfig): Record<string, unknown> {
  return {
    ...config,
    natsServers: config.natsServers.map(maskUrl),
    natsAuth: config.natsAuth ? '[redacted]' : undefined,
    eventStoreUrl: config.eventStoreUrl ? maskUrl(config.eventStoreUrl) : undefined,
    mongoUrl: config.mongoUrl ? maskUrl(config.mongoUrl) : undefined,
    postgresUrl: config.postgresUrl ? maskPostgresUrl(config.postgresUrl) : undefined,
    stripeApiUrl: config.stripeApiUrl ? maskUrl(config.stripeApiUrl) : undefined,
    tracing: config.tracing ? { ...config.tracing, endpoint: maskUrl(config.tracing.endpoint) } : undefined,
    sendgridApiKey: config.sendgridApiKey ? '[redacted]' : undefined,
    jwtSecret: config.jwtSecret ? '[redacted]' : undefined,
  };
}

/**
 * The nats client ignores credentials in a server URL (it reads user, pass and token options), so
 * they come out of the URLs here. One set for all the servers: they are one cluster.
 */
function natsCredentials(urls: string[], problems: string[]): { servers: string[]; auth?: NatsAuth } {
  const servers: string[] = [];
  const found = new Set<string>();
  let auth: NatsAuth | undefined;
  for (const value of urls) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      servers.push(value); // already reported
      continue;
    }
    if (!parsed.username && !parsed.password) {
      servers.push(value);
      continue;
    }
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    auth = pass ? { user, pass } : { token: user };
    found.add(JSON.stringify(auth));
    parsed.username = '';
    parsed.password = '';
    servers.push(parsed.toString());
  }
  if (found.size > 1 || (found.size === 1 && urls.some((u) => !u.includes('@')))) {
    problems.push('NATS_URL gives different credentials to the servers (or some none); give every server of the cluster the same ones.');
  }
  return { servers, auth };
}

/**
 * MongoDB and EventStoreDB connection strings may list several hosts (`mongodb://u:p@h1:27017,h2:27017/?replicaSet=rs0`),
 * which the WHATWG URL parser refuses: the masking reads the string with its first host only.
 */
function firstHostOnly(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?[^,/?#]+)(?:,[^/?#]*)+/i, '$1');
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * Why POSTGRES_URL cannot be used (a sentence, without the value: it may hold a password), or
 * null. Read with node-postgres's own parser, which accepts almost anything and fills the gaps
 * with defaults (a missing database becomes the user's name), so what it returns is checked too.
 */
function postgresUrlProblem(value: string): string | null {
  const example = 'e.g. postgres://clientele:secret@localhost:5432/clientele';
  if (!/^postgres(ql)?:\/\//i.test(value)) return `must start with postgres:// or postgresql:// (${example}); the value given does not.`;
  let parsed: ReturnType<typeof parsePostgresUrl>;
  try {
    parsed = parsePostgresUrl(value);
  } catch (error) {
    // Not `instanceof Error`: the URL parser's TypeError may come from another realm (test runners).
    const message = (error as { message?: unknown } | undefined)?.message;
    const reason = typeof message === 'string' ? message.split(value).join('[the value]') : 'unreadable';
    return `cannot be read as a PostgreSQL connection string (${reason}); write it as ${example}, percent-encoding special characters.`;
  }
  if (!parsed.host) return `names no host; write it as ${example}.`;
  if (parsed.host.includes(',')) {
    return 'lists several hosts, but node-postgres connects to one; point it at the primary, or at a proxy (PgBouncer, a cloud endpoint) that follows it.';
  }
  if (!parsed.database) return `names no database; add it after the host, ${example}.`;
  const sslmode = (parsed as { sslmode?: string }).sslmode;
  if (sslmode !== undefined && !SSL_MODES.includes(sslmode)) return `has sslmode=${sslmode}; use one of ${SSL_MODES.join(', ')}.`;
  return null;
}

/**
 * Why EVENTSTORE_URL cannot be used (a sentence, without the value: it holds the admin password),
 * or null. Read with @eventstore/db-client's own parser, the one its client runs on connecting, so
 * that a cluster's `esdb+discover://a:2113,b:2113,c:2113` passes and a typo stops the start rather
 * than the first connection. Loaded only when the setting is given: it pulls in gRPC.
 */
function eventStoreUrlProblem(value: string): string | null {
  const example = 'e.g. esdb://admin:secret@eventstore:2113?tls=true, or esdb+discover://admin:secret@node-1:2113,node-2:2113,node-3:2113?tls=true for a cluster';
  if (!/^esdb(\+discover)?:\/\//.test(value)) return `must start with esdb:// or esdb+discover:// (${example}); the value given does not.`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (see above); not in the package's public index
  const { parseConnectionString } = require('@eventstore/db-client/dist/Client/parseConnectionString') as typeof import('@eventstore/db-client/dist/Client/parseConnectionString');
  // The parser warns on the console about options it ignores, quoting the whole string with its
  // password: the warnings are caught here, and each becomes a problem in words of our own.
  const ignored: string[] = [];
  /* eslint-disable no-console -- not a log: the parser's warnings taken from the console, which is put back at once */
  const warn = console.warn;
  console.warn = (message?: unknown) => void ignored.push(String(message).split('\n')[0]);
  let options: ReturnType<typeof parseConnectionString>;
  try {
    options = parseConnectionString(value);
  } catch (error) {
    const { location, expected, message } = (error ?? {}) as { location?: [number, number]; expected?: string; message?: unknown };
    const reason = location && expected ? `at character ${location[0] + 1} the client expected ${expected}` : redacted(message, value);
    return `cannot be read as an EventStoreDB connection string (${reason}); write it as ${example}, percent-encoding special characters in the password.`;
  } finally {
    console.warn = warn;
  }
  /* eslint-enable no-console */
  for (const warning of ignored) {
    const unknown = /^Unknown option key "([^"]*)"/.exec(warning);
    if (unknown) return `has an option the EventStoreDB client does not know and would ignore (${unknown[1]}); remove it or correct its name.`;
    if (warning.includes('tlsVerifyCert')) return 'has tlsVerifyCert=false, which the EventStoreDB client ignores; give the certificate authority with tlsCAFile instead.';
    return `has an option the EventStoreDB client would not honour (${redacted(warning, value)}).`;
  }
  // The parser splits the credentials at every ':' and keeps two parts, and takes the first '@' as
  // their end: an unescaped ':' cuts the password short, an unescaped '@' makes the rest a host.
  const credentials = /^[^:]+:\/\/([^:]+:[^@]+)@/.exec(value)?.[1];
  if ((credentials?.split(':').length ?? 0) > 2 || options.hosts.some((host) => host.address.includes('@'))) {
    return 'has an unescaped ":" or "@" in its user name or password; percent-encode them (%3A, %40).';
  }
  // The parser reads a port with parseInt, so "21l3" would be port 21: each host is checked whole.
  const hosts = value.replace(/^[^:]+:\/\/([^:]+:[^@]+@)?/, '').split(/[/?]/)[0].split(',');
  const badHost = hosts.find((host) => {
    const port = Number(host.split(':')[1] ?? 2113);
    return !/^[^:]+(:\d{1,5})?$/.test(host) || port < 1 || port > 65535;
  });
  if (badHost !== undefined) return `names a host "${badHost}" that is not host or host:port with a port from 1 to 65535 (${example}).`;
  if (options.hosts.length === 0) return `names no host (${example}).`;
  return null;
}

/**
 * Why MONGO_URL cannot be used (a sentence, without the value: it holds the password), or null.
 * Read with mongodb-connection-string-url, the parser the MongoDB driver itself runs first, so that
 * a replica set's `mongodb://u:p@mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0` passes;
 * then what the driver checks next, host by host, before it would connect.
 */
function mongoUrlProblem(value: string): string | null {
  const example = 'e.g. mongodb://clientele:secret@mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0&authSource=admin';
  if (!/^mongodb(\+srv)?:\/\//.test(value)) return `must start with mongodb:// or mongodb+srv:// (${example}); the value given does not.`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, like the EventStoreDB parser
  const { ConnectionString } = require('mongodb-connection-string-url') as typeof import('mongodb-connection-string-url');
  let parsed: InstanceType<typeof ConnectionString>;
  try {
    parsed = new ConnectionString(value);
  } catch (error) {
    const reason = redacted((error as { message?: unknown } | undefined)?.message, value);
    return `cannot be read as a MongoDB connection string (${reason}); write it as ${example}, percent-encoding special characters in the user name and password.`;
  }
  // An unescaped '@' in the password passes the parser, which then takes the text after it for the host.
  const authority = value.slice(value.indexOf('://') + 3).split(/[/?]/)[0];
  if (authority.split('@').length > 2) return 'has an unescaped "@" in its user name or password; percent-encode it as %40.';
  // What the driver's HostAddress refuses next, when the client is created: a host that is not
  // host, [IPv6] or either with a port from 1 to 65535 (a socket path, %2F...sock, passes as a host).
  const badHost = parsed.hosts.find((host) => {
    const port = /:(\d{1,5})$/.exec(host)?.[1];
    return !/^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(:\d{1,5})?$/.test(host) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535));
  });
  if (badHost !== undefined) return `names a host "${badHost}" that is not host or host:port with a port from 1 to 65535 (${example}).`;
  if (parsed.searchParams.get('directConnection') === 'true' && parsed.hosts.length > 1) {
    return 'asks for directConnection=true to several hosts; the MongoDB driver connects directly to one only: drop directConnection and name the replicaSet.';
  }
  return null;
}

/** A parser's message with the value it was given (and so its password) taken out. */
function redacted(message: unknown, value: string): string {
  if (typeof message !== 'string') return 'unreadable';
  const password = /^[^:]+:\/\/[^:@/]*:([^@]*)@/.exec(value)?.[1];
  let text = message.split(value).join('[the value]');
  if (password) text = text.split(password).join('[the password]');
  return text;
}

/** The credentials of a connection string masked: in its user part, and a password given as a parameter (`?password=...`). */
function maskPostgresUrl(value: string): string {
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_, scheme: string, userInfo: string) => `${scheme}${userInfo.includes(':') ? '[redacted]:[redacted]' : '[redacted]'}@`)
    .replace(/([?&]password=)[^&#]*/gi, '$1[redacted]');
}

function maskUrl(value: string): string {
  if (firstHostOnly(value) !== value) return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1[redacted]:[redacted]@');
  try {
    const parsed = new URL(value);
    if (parsed.username || parsed.password) {
      parsed.username = parsed.username ? '[redacted]' : '';
      parsed.password = parsed.password ? '[redacted]' : '';
    }
    return parsed.toString();
  } catch {
    return '[redacted]';
  }
}

function closest(name: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(name, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= 3 ? best.candidate : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
