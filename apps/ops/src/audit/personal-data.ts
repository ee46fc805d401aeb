import { clientEventDataReader } from '@clientele/host';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { OpsContext } from '../ops-context';

/**
 * Opens the personal fields the clients service seals into its client events (names, e-mail,
 * phone, note bodies) with the service's own codec and the client's key; a client whose key was
 * shredded on deletion reads as `[erased]`.
 */
export class ClientPersonalData {
  private read: ((event: RecordedEvent) => Promise<Record<string, unknown>>) | null = null;

  constructor(private readonly context: OpsContext) {}

  async open(event: RecordedEvent): Promise<Record<string, unknown>> {
    this.read ??= clientEventDataReader(await this.context.keyStore('clients'));
    return this.read(event);
  }
}
