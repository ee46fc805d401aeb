import { BulkChangeTypeRequest, BulkChangeTypeResult, ClientsSubjects } from '@clientele/clients/contracts';
import { clientDecider, clientExists, typeChangeEffect } from '@clientele/clients/domain';
import { commandIdFor, commandMetadata, latestPosition, mapConcurrently, waitForProjections } from '@clientele/platform/application';
import { requireStaff, type RequestActor, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { GlobalPosition } from '@clientele/platform/event-store';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { canSee } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';

type Outcome = BulkChangeTypeResult['results'][number];
interface Attempt {
  result: Outcome;
  effect?: string;
  position?: GlobalPosition | null;
}

/**
 * Change client type for many clients at once (up to 500). Each client is its own command: one
 * unknown, deleted or foreign id fails alone. `dryRun` decides everything and records nothing.
 * With an Idempotency-Key, a retried request finds its events already recorded and changes
 * nothing twice.
 */
@Controller()
export class BulkChangeTypeMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.bulkChangeType)
  async bulkChangeType(@Payload() envelope: RequestEnvelope<BulkChangeTypeRequest>): Promise<BulkChangeTypeResult> {
    const actor = requireStaff(envelope.actor);
    const { clientIds, type, dryRun } = envelope.data;
    const requestId = commandIdFor(envelope, (key) => `bulk-type:${actor.accountId}:${key}`);
    const metadata = commandMetadata(envelope, actor);
    const summary = { changed: 0, unchanged: 0, failed: 0, invitationsToSend: 0, accessRevoked: 0 };
    const results: Outcome[] = [];
    let last: GlobalPosition | null = null;

    // Clients are independent: overlapping their commands lets their appends share group commits.
    const attempts = await mapConcurrently([...new Set(clientIds)], 16, (clientId) =>
      dryRun ? this.preview(actor, clientId, type) : this.apply(actor, clientId, type, requestId, metadata),
    );
    for (const outcome of attempts) {
      results.push(outcome.result);
      summary[outcome.result.outcome]++;
      if (outcome.effect === 'invitation') summary.invitationsToSend++;
      if (outcome.effect === 'access_revoked') summary.accessRevoked++;
      last = latestPosition(last, outcome.position);
    }
    await waitForProjections(last, this.context.views);
    return { results, summary };
  }

  private async apply(actor: RequestActor, clientId: string, type: BulkChangeTypeRequest['type'], requestId: string, metadata: Record<string, unknown>): Promise<Attempt> {
    try {
      const result = await this.context.changeClient(
        clientId,
        actor,
        { type: 'ChangeType', to: type, metadata: { actorId: actor.id, now: new Date().toISOString() } },
        `${requestId}:${clientId}`,
        metadata,
      );
      const changed = result.events[0];
      if (!changed || changed.type !== 'ClientTypeChanged') return { result: { clientId, outcome: 'unchanged' as const }, position: result.position };
      return {
        result: { clientId, outcome: 'changed' as const },
        effect: changed.data.effect,
        position: result.position,
      };
    } catch (error) {
      return { result: failed(clientId, error) };
    }
  }

  /** What `apply` would do, from the client's current state, without recording anything. */
  private async preview(actor: RequestActor, clientId: string, type: BulkChangeTypeRequest['type']): Promise<Attempt> {
    try {
      const state = await this.context.loadClient(clientId);
      if (!clientExists(state) || !canSee(actor, state)) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
      const events = clientDecider.decide({ type: 'ChangeType', to: type, metadata: { actorId: actor.id, now: new Date().toISOString() } }, state);
      if (events.length === 0) return { result: { clientId, outcome: 'unchanged' as const } };
      return { result: { clientId, outcome: 'changed' as const }, effect: typeChangeEffect(state, type) };
    } catch (error) {
      return { result: failed(clientId, error) };
    }
  }
}

function failed(clientId: string, error: unknown): Outcome {
  if (error instanceof AppError) return { clientId, outcome: 'failed', error: { code: error.code, detail: error.detail } };
  throw error;
}
