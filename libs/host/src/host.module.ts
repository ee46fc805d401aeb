import { BillingModule } from '@clientele/billing/service';
import { ClientsModule } from '@clientele/clients/service';
import { GatewayModule } from '@clientele/gateway/http';
import { IdentityModule } from '@clientele/identity/service';
import { MessagingModule } from '@clientele/messaging/service';
import { SchedulingModule } from '@clientele/scheduling/service';
import { DevMailbox, NotificationsModule, SendGridSender } from '@clientele/notifications/service';
import { slowedDown } from './slow-mail-sender';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Platform } from './platform';

export const PLATFORM = Symbol.for('clientele.platform');

/** The services this process hosts, each with its own stores, plus the gateway when it is one of them. */
@Module({})
export class HostModule implements OnApplicationShutdown {
  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  static for(platform: Platform): DynamicModule {
    const { bus, requests, logger, config, leases } = platform;
    // Each service's events, read models and key store.
    const stores = (service: 'identity' | 'clients' | 'billing' | 'messaging' | 'scheduling') => platform.keyedStores(service);
    const imports: DynamicModule[] = [];
    if (platform.hosts('identity')) {
      imports.push(
        IdentityModule.register({ ...stores('identity'), bus, requests, leases, jwtSecret: platform.jwtSecret, publicUrl: config.publicUrl, logger: logger.child('identity') }),
      );
    }
    if (platform.hosts('clients')) {
      imports.push(ClientsModule.register({ ...stores('clients'), bus, requests, leases, logger: logger.child('clients') }));
    }
    if (platform.hosts('billing')) {
      imports.push(BillingModule.register({ ...stores('billing'), bus, leases, logger: logger.child('billing') }));
    }
    if (platform.hosts('messaging')) {
      imports.push(MessagingModule.register({ ...stores('messaging'), bus, requests, leases, logger: logger.child('messaging') }));
    }
    if (platform.hosts('scheduling')) {
      imports.push(SchedulingModule.register({ ...stores('scheduling'), bus, requests, leases, logger: logger.child('scheduling') }));
    }
    if (platform.hosts('notifications')) {
      const documents = platform.stores.get('notifications')!.documents;
      const devMailbox = config.mail === 'dev-mailbox' ? new DevMailbox(documents) : null;
      const sender = devMailbox ? slowedDown(devMailbox, config.devMailboxDelayMs) : new SendGridSender({ apiKey: config.sendgridApiKey! });
      imports.push(NotificationsModule.register({ documents, bus, requests, sender, devMailbox, mailFrom: config.mailFrom, logger: logger.child('notifications') }));
    }
    if (platform.hosts('gateway')) {
      imports.push(
        GatewayModule.register({
          requests,
          jwtSecret: platform.jwtSecret,
          logger: logger.child('gateway'),
          authRateLimitPerMinute: config.authRateLimitPerMinute,
          healthChecks: (options) => platform.healthChecks(options),
          draining: () => platform.draining,
          devMailbox: config.devMailboxServed,
        }),
      );
    }
    return { module: HostModule, imports, providers: [{ provide: PLATFORM, useValue: platform }], exports: [PLATFORM] };
  }

  /** After every module stopped its processors and consumers. */
  async onApplicationShutdown(): Promise<void> {
    await this.platform.close();
  }
}
