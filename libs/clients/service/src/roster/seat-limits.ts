import { IdentitySubjects, type AccountView, type SeatLimitEventData } from '@clientele/identity/contracts';
import { rosterDecider, type RosterEvent } from '@clientele/clients/domain';
import { handleCommand, domainEvent } from '@clientele/platform/application';
import type { IntegrationEvent, RequestClient } from '@clientele/platform/bus';
import { fold } from '@clientele/platform/core';
import type { EventStore } from '@clientele/platform/event-store';
import { rosterStream } from '../streams';

/**
 * The roster keeps its own copy of the account's seat limit. It learns it from identity's events
 * (`identity.account.opened.v1`, `...seat-limit-changed.v1`), and asks identity directly the first
 * time it needs it, so a client can be added the moment the account exists. Both paths record the
 * limit with the account's version, and the newest version wins.
 */
export class SeatLimits {
  private readonly known = new Set<string>();

  constructor(
    private readonly events: EventStore,
    private readonly requests: RequestClient,
  ) {}

  async ensureKnown(accountId: string, correlationId?: string): Promise<void> {
    if (this.known.has(accountId)) return;
    const history = await this.events.readStream(rosterStream(accountId));
    const state = fold(rosterDecider, history.map((e) => domainEvent<RosterEvent>(e)));
    if (state.seatLimit === undefined) {
      const account = await this.requests.request<AccountView>(IdentitySubjects.getAccount, { correlationId, data: { accountId } });
      await this.record({ accountId, seatLimit: account.seatLimit, version: account.version }, `seat-limit:${accountId}:${account.version}`, correlationId);
    }
    this.known.add(accountId);
  }

  /** Handler of identity's seat-limit events (consumer `clients--identity`). */
  async onIdentityEvent(event: IntegrationEvent): Promise<void> {
    const data = event.data as unknown as SeatLimitEventData;
    await this.record(data, `seat-limit:${data.accountId}:${data.version}`, event.metadata.correlationId);
  }

  private async record(data: SeatLimitEventData, commandId: string, correlationId?: string): Promise<void> {
    await handleCommand(
      this.events,
      rosterStream(data.accountId),
      rosterDecider,
      { type: 'SetSeatLimit', accountId: data.accountId, seatLimit: data.seatLimit, accountVersion: data.version },
      { commandId, metadata: { correlationId, actor: { id: 'identity', role: 'system' }, accountId: data.accountId } },
      { maxRetries: 100 },
    );
  }
}
