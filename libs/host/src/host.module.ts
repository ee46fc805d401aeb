import { BillingModule } from '@clientele/billing/service';
import { ClientsModule } from '@clientele/clients/service';
import { GatewayModule } from '@clientele/gateway/http';
import { IdentityModule } from '@clientele/identity/service';
import { MessagingModule } from '@clientele/messaging/service';
import { SchedulingModule } from '@clientele/scheduling/service';
import { DevMailbox, NotificationsModule, SendGridSender } from '@clientele/notifications/service';
import { slowedDown } from './slow-mail-sender';
import { DEFAULT_READ_MODEL_WAIT_MS, ServiceLifecycle } from '@clientele/platform/application';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Platform } from './platform';

export const PLATFORM = Symbol.for('clientele.platform');

/** The services this process hosts, each with its own stores, plus the gateway when it is one of them. */
@Module({})
export class HostModule implements OnApplicationShutdown {
  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly modules: ModulesContainer,
  ) {}

  static for(platform: Platform): DynamicModule {
    const { bus, requests, logger, config, leases } = platform;
    // A command waits for its read models as long as its caller waits for the answer (a little
    // less, so that the caller reads the handler's own 503), and never less than the default:
    // raising CLIENTELE_REQUEST_TIMEOUT_MS for a loaded machine raises both.
    const readModelWaitMs = Math.max(DEFAULT_READ_MODEL_WAIT_MS, config.requestTimeoutMs - 1000);
    // Each service's events, read models and key store.
    const stores = (service: 'identity' | 'clients' | 'billing' | 'messaging' | 'scheduling') => platform.keyedStores(service);
    const imports: DynamicModule[] = [];
    if (platform.hosts('identity')) {
      imports.push(
        IdentityModule.register({ ...stores('identity'), bus, requests, leases, readModelWaitMs, jwtSecret: platform.jwtSecret, publicUrl: config.publicUrl, logger: logger.child('identity') }),
      );
    }
    if (platform.hosts('clients')) {
      imports.push(ClientsModule.register({ ...stores('clients'), bus, requests, leases, readModelWaitMs, logger: logger.child('clients') }));
    }
    if (platform.hosts('billing')) {
      imports.push(
        BillingModule.register({
          ...stores('billing'),
          bus,
          leases,
          readModelWaitMs,
          logger: logger.child('billing'),
          publicUrl: config.publicUrl,
          stripeApiUrl: config.stripeApiUrl,
          immediatePayments: config.immediatePayments,
        }),
      );
    }
    if (platform.hosts('messaging')) {
      imports.push(MessagingModule.register({ ...stores('messaging'), bus, requests, leases, readModelWaitMs, logger: logger.child('messaging') }));
    }
    if (platform.hosts('scheduling')) {
      imports.push(SchedulingModule.register({ ...stores('scheduling'), bus, requests, leases, readModelWaitMs, logger: logger.child('scheduling') }));
    }
    if (platform.hosts('notifications')) {
      const documents = platform.stores.get('notifications')!.documents;
      const devMailbox = config.mail === 'dev-mailbox' ? new DevMailbox(documents) : null;
      const sender = devMailbox ? slowedDown(devMailbox, config.devMailboxDelayMs) : new SendGridSender({ apiKey: config.sendgridApiKey! });
      imports.push(
        NotificationsModule.register({
          documents,
          bus,
          requests,
          sender,
          devMailbox,
          mailFrom: config.mailFrom,
          logger: logger.child('notifications'),
          onMailOutcome: (kind, outcome) => platform.metrics.countMail(kind, outcome),
        }),
      );
    }
    if (platform.hosts('gateway')) {
      imports.push(
        GatewayModule.register({
          requests,
          jwtSecret: platform.jwtSecret,
          logger: logger.child('gateway'),
          authRateLimitPerMinute: config.authRateLimitPerMinute,
          // Over NATS, every gateway replica counts into the same NATS KV buckets; one process counts alone.
          rateLimitStore:
            config.bus === 'nats'
              ? { kind: 'nats', servers: config.natsServers, auth: config.natsAuth, namespace: config.natsNamespace, replicas: config.busReplicas }
              : { kind: 'memory' },
          healthChecks: (options) => platform.healthChecks(options),
          draining: () => platform.draining,
          devMailbox: config.devMailboxServed,
        }),
      );
    }
    return { module: HostModule, imports, providers: [{ provide: PLATFORM, useValue: platform }], exports: [PLATFORM] };
  }

  /**
   * Nest calls this hook on the root module first (its shutdown order reverses its start order),
   * before the service modules' lifecycles hear of the shutdown: so every service's consumers and
   * processors are stopped here, and only then do the stores they use close. (Their own hooks
   * then find them stopped.)
   */
  async onApplicationShutdown(): Promise<void> {
    const lifecycles = [...this.modules.values()].flatMap((module) =>
      [...module.providers.values()].map((provider) => provider.instance).filter((instance): instance is ServiceLifecycle => instance instanceof ServiceLifecycle),
    );
    await Promise.all(lifecycles.map((lifecycle) => lifecycle.stop()));
    await this.platform.close();
  }
}
