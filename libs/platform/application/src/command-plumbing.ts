import type { EventMetadata, GlobalPosition, RecordedEvent } from '@clientele/platform/event-store';
import { currentTraceparent } from '@clientele/platform/logging';
import { randomUUID } from 'node:crypto';
import { deterministicId } from './deterministic-id';

/** What a use case needs of a request: its correlation id and its Idempotency-Key (a `RequestEnvelope` has both). */
export interface CommandRequest {
  correlationId?: string;
  idempotencyKey?: string;
}

/** Who a command's events are recorded for: the acting user (or system) and the account they act in. */
export interface CommandActor {
  id: string;
  role: string;
  accountId: string;
}

/**
 * The metadata of the events a request's command records: the request's correlation, the actor
 * (its id and role only, never its capabilities) and the account; and, when traces are on, the
 * traceparent of the span handling the command, so that the work the events cause (the outbox
 * copies it to their integration events) joins its trace.
 */
export function commandMetadata(request: Pick<CommandRequest, 'correlationId'>, actor: CommandActor): EventMetadata {
  return withTraceparent({ correlationId: request.correlationId, actor: { id: actor.id, role: actor.role }, accountId: actor.accountId });
}

/**
 * The metadata of the events a reaction to another service's integration event records: the same
 * correlation, and that event as their cause; traces on, the traceparent of the reaction's span
 * (or else the event's own).
 */
export function reactionMetadata(
  event: { id: string; metadata: { correlationId?: string; traceparent?: unknown } },
  by: { actor?: { id: string; role: string }; accountId?: string } = {},
): EventMetadata {
  return withTraceparent({ correlationId: event.metadata.correlationId, causationId: event.id, ...by }, event.metadata.traceparent);
}

/**
 * The metadata of the events a processor records after one of its own service's events: that
 * event's metadata (correlation, actor, account, traceparent), with the event as their cause; traces
 * on, the traceparent of the processor's span when it runs in one.
 */
export function metadataCausedBy(recorded: Pick<RecordedEvent, 'id' | 'metadata'>): EventMetadata {
  return withTraceparent({ ...recorded.metadata, causationId: recorded.id });
}

/**
 * `metadata` with the traceparent of the work in hand (else `fallback`, else none). Traces off,
 * there is none: the metadata stays as it always was.
 */
function withTraceparent(metadata: EventMetadata, fallback?: unknown): EventMetadata {
  const traceparent = currentTraceparent() ?? (typeof fallback === 'string' ? fallback : undefined);
  if (traceparent !== undefined) metadata.traceparent = traceparent;
  return metadata;
}

/**
 * The id of the entity a request creates. With an Idempotency-Key it is a name-based uuid of
 * `parts` (the key among them), so a retried request creates the same entity and nothing twice;
 * without one, every request creates a new one.
 */
export function entityIdFor(request: Pick<CommandRequest, 'idempotencyKey'>, parts: (key: string) => ReadonlyArray<string | number>): string {
  return request.idempotencyKey ? deterministicId(...parts(request.idempotencyKey)) : randomUUID();
}

/**
 * The command id of a request (its events' ids derive from it). With an Idempotency-Key it is
 * derived from the key, so a retried request finds its events recorded and appends nothing;
 * without one, `otherwise` (a fresh uuid unless given).
 */
export function commandIdFor(request: Pick<CommandRequest, 'idempotencyKey'>, fromKey: (key: string) => string, otherwise?: string): string {
  return request.idempotencyKey ? fromKey(request.idempotencyKey) : (otherwise ?? randomUUID());
}

/** A read model a request waits for (a `ProcessorRunner`). */
export interface ReadModel {
  waitFor(position: GlobalPosition): Promise<void>;
}

/** The latest of some positions (null when none is given: nothing was appended). */
export function latestPosition(...positions: ReadonlyArray<GlobalPosition | null | undefined>): GlobalPosition | null {
  let latest: GlobalPosition | null = null;
  for (const position of positions) if (position !== null && position !== undefined && (latest === null || position > latest)) latest = position;
  return latest;
}

/**
 * Read-your-writes: resolves once every one of `readModels` has projected the events up to
 * `position` (null: nothing was appended, nothing to wait for).
 */
export async function waitForProjections(position: GlobalPosition | null, ...readModels: ReadModel[]): Promise<void> {
  if (position === null) return;
  await Promise.all(readModels.map((readModel) => readModel.waitFor(position)));
}

/**
 * A command's result, once `readModels` show its events: what the request answers is read from
 * them, and must include its own write. `command` is the running `handleCommand` (or a service's
 * wrapper of it).
 */
export async function handleAndWait<Result extends { position: GlobalPosition | null }>(command: Promise<Result>, ...readModels: ReadModel[]): Promise<Result> {
  const result = await command;
  await waitForProjections(result.position, ...readModels);
  return result;
}
