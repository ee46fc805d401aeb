import { IdentityEvents } from '@clientele/identity/contracts';
import { OutboxRelay, ProcessorRunner } from '@clientele/platform/application';
import { EventConsumer, durableName } from '@clientele/platform/bus';
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CLIENTS_DEPS, CLIENTS_PROCESSORS, ClientsDeps, ClientsProcessors } from './clients.deps';
import { clientsIntegrationEvents } from './outbox';
import { CLIENTS } from './read-models/client-doc';
import { CLIENT_INDEXES, ClientsProjection } from './read-models/clients.projection';
import { EnrolmentCompleter } from './roster/enrolment-completer.processor';
import { SeatLimits } from './roster/seat-limits';
import { AddClientMessageController, SEAT_LIMITS } from './use-cases/add-client/add-client.message-controller';
import { GetClientMessageController } from './use-cases/get-client/get-client.message-controller';
import { ClientsHealthMessageController } from './use-cases/health/health.message-controller';
import { ListClientsMessageController } from './use-cases/list-clients/list-clients.message-controller';
import { RecentClientsMessageController } from './use-cases/recent-clients/recent-clients.message-controller';

/** The client roster. Answers requests on `clients.*`, publishes `clients.client.*` events. */
@Module({})
export class ClientsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: EventConsumer[] = [];

  constructor(
    @Inject(CLIENTS_DEPS) private readonly deps: ClientsDeps,
    @Inject(CLIENTS_PROCESSORS) private readonly processors: ClientsProcessors,
    @Inject(SEAT_LIMITS) private readonly seatLimits: SeatLimits,
  ) {}

  static register(deps: ClientsDeps): DynamicModule {
    const onError = (error: unknown, processor: string) =>
      deps.logger.error(`${processor} failed; resuming from its checkpoint`, (error as Error)?.stack ?? String(error), 'clients');
    const processors: ClientsProcessors = {
      views: new ProcessorRunner(deps.events, deps.documents, new ClientsProjection(), { onError }),
      enrolments: new ProcessorRunner(deps.events, deps.documents, new EnrolmentCompleter(deps.events), { onError }),
      outbox: new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, clientsIntegrationEvents, 'clients_outbox'), { onError }),
    };
    return {
      module: ClientsModule,
      controllers: [
        AddClientMessageController,
        ListClientsMessageController,
        RecentClientsMessageController,
        GetClientMessageController,
        ClientsHealthMessageController,
      ],
      providers: [
        { provide: CLIENTS_DEPS, useValue: deps },
        { provide: CLIENTS_PROCESSORS, useValue: processors },
        { provide: SEAT_LIMITS, useValue: new SeatLimits(deps.events, deps.requests) },
      ],
    };
  }

  private started = false;

  /** Called once per Nest context of the process (the HTTP app and the microservice share modules). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.deps.documents.collection(CLIENTS).ensureIndexes(CLIENT_INDEXES);
    await Promise.all(Object.values(this.processors).map((runner) => runner.start()));
    this.consumers.push(
      await this.deps.bus.consume(
        { durableName: durableName('clients', 'identity'), sourceService: 'identity', subjects: [IdentityEvents.accountOpened, IdentityEvents.seatLimitChanged] },
        (event) => this.seatLimits.onIdentityEvent(event),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.all(Object.values(this.processors).map((runner) => runner.stop()));
  }
}
