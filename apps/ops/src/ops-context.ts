import { loadConfig, type ClienteleConfig, type ServiceName } from '@clientele/platform/config';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';
import type { EventBus } from '@clientele/platform/bus';
import { moveKeysApart } from '@clientele/platform/privacy';
import { openDocumentStore, openEventBus, openEventStore, openKeyStore } from '@clientele/platform/runtime';
import { userInfo } from 'node:os';

/** Services that keep events (the gateway and notifications keep none of their own). */
export const EVENT_SOURCED_SERVICES = ['identity', 'clients', 'billing', 'messaging', 'scheduling'] as const satisfies readonly ServiceName[];

/** Where a command prints: results on `out` (pipeable: tables, JSON, CSV), progress and notes on `err`. */
export interface OpsOutput {
  out(text: string): void;
  err(text: string): void;
  /** Whether `err` is a terminal (progress bars redraw in place only there). */
  readonly interactive: boolean;
}

export const processOutput: OpsOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/**
 * What every ops command works with: the same configuration as the services (same environment
 * variables, so the same data folder or the same EventStoreDB/MongoDB/NATS URLs) and nothing else,
 * the stores opened on first use, and who is running the tool.
 */
export class OpsContext {
  private readonly events = new Map<ServiceName, Promise<EventStore>>();
  private readonly documents = new Map<ServiceName, Promise<DocumentStore>>();
  private readonly keys = new Map<ServiceName, Promise<DocumentStore>>();
  private bus: Promise<EventBus> | null = null;

  constructor(
    readonly config: ClienteleConfig,
    readonly output: OpsOutput = processOutput,
    /** The operator recorded with audit runs: `--operator`, or the login name. */
    readonly operator: string = userInfo().username,
  ) {}

  static fromEnvironment(output?: OpsOutput, operator?: string): OpsContext {
    return new OpsContext(loadConfig(), output, operator);
  }

  eventStore(service: ServiceName): Promise<EventStore> {
    let store = this.events.get(service);
    if (!store) this.events.set(service, (store = openEventStore(this.config, service)));
    return store;
  }

  documentStore(service: ServiceName): Promise<DocumentStore> {
    let store = this.documents.get(service);
    if (!store) this.documents.set(service, (store = openDocumentStore(this.config, service)));
    return store;
  }

  /** The service's key store (after moving there any keys an earlier version kept in its read models). */
  keyStore(service: ServiceName): Promise<DocumentStore> {
    let store = this.keys.get(service);
    if (!store) {
      const opening = (async () => {
        const keys = await openKeyStore(this.config, service);
        await moveKeysApart(await this.documentStore(service), keys);
        return keys;
      })();
      this.keys.set(service, (store = opening));
    }
    return store;
  }

  eventBus(): Promise<EventBus> {
    if (!this.bus) this.bus = openEventBus(this.config, 'clientele-ops');
    return this.bus;
  }

  async close(): Promise<void> {
    const all: Promise<{ close(): Promise<void> }>[] = [...this.events.values(), ...this.documents.values(), ...this.keys.values()];
    if (this.bus) all.push(this.bus);
    await Promise.all(all.map(async (store) => (await store).close().catch(() => undefined)));
  }
}

/** A mistake in how the tool was called: printed as is, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
