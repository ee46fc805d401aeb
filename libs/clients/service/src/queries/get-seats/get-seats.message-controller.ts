import { ClientsSubjects, Seats } from '@clientele/clients/contracts';
import { freeSeats } from '@clientele/clients/domain';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { ClientTypes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { CLIENTS } from '../../read-models/client-doc';

/** The account's seats: the limit and who holds seats from the roster itself, the split by type from the list. */
@Controller()
export class GetSeatsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.getSeats)
  async getSeats(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<Seats> {
    const actor = requireStaff(envelope.actor);
    const roster = await this.context.rosterState(actor.accountId);
    const clients = this.context.deps.documents.collection(CLIENTS);
    const counts = await Promise.all(ClientTypes.map((type) => clients.count({ accountId: actor.accountId, status: 'active', type })));
    const limit = roster.limit.status === 'known' ? roster.limit.seatLimit : null;
    const free = freeSeats(limit, roster.active);
    return {
      limit,
      used: roster.active,
      available: Number.isFinite(free) ? free : null,
      byType: Object.fromEntries(ClientTypes.map((type, i) => [type, counts[i]])) as Seats['byType'],
      pending: roster.waiting.length,
    };
  }
}
