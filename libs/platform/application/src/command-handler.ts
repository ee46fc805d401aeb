import { Decider, DomainEvent, fold } from '@clientele/platform/core';
import {
  EventData,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  RecordedEvent,
  WrongExpectedRevisionError,
} from '@clientele/platform/event-store';
import { deterministicEventId } from './deterministic-id';

/** A recorded event as the decider sees it: its type and data. */
export function domainEvent<Event extends DomainEvent<string, object>>(recorded: RecordedEvent): Event {
  return { type: recorded.type, data: recorded.data } as unknown as Event;
}

export interface CommandContext {
  /** Unique per command (an Idempotency-Key, a message id, or a fresh uuid): event ids derive from it. */
  commandId: string;
  metadata: EventMetadata;
}

export interface CommandResult<State, Event> {
  /** The events this command appended (empty when it decided nothing, e.g. same type again). */
  events: Event[];
  state: State;
  /** Revision of the stream after the command; -1 when the stream does not exist. */
  revision: number;
  /** Global position of the stream's last event after the command (null for no stream): wait for projections up to it. */
  position: GlobalPosition | null;
  /** True when this command id had already been handled: nothing was decided or appended again. */
  alreadyHandled?: boolean;
}

export interface HandleCommandOptions {
  /** How many times to reload and decide again after a concurrent append. Default 3. */
  maxRetries?: number;
}

/**
 * Read the stream, fold it, run the pure `decide`, append with the revision that was read. A
 * concurrent writer makes the append fail; we reload and decide again, a bounded number of times,
 * then let the `concurrency_conflict` reach the caller. Nothing here catches and drops an error.
 */
export async function handleCommand<Command, State, Event extends DomainEvent<string, object>>(
  store: EventStore,
  streamName: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  context: CommandContext,
  options: HandleCommandOptions = {},
): Promise<CommandResult<State, Event>> {
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const history = await store.readStream(streamName);
    const revision = history.length ? history[history.length - 1].revision : -1;
    const position = history.length ? history[history.length - 1].position : null;
    const state = fold(decider, history.map((e) => domainEvent<Event>(e)));
    // The same command ran before (a retry after a lost answer): its events are already here.
    const firstEventId = deterministicEventId(streamName, context.commandId, 0);
    if (history.some((e) => e.id === firstEventId)) return { events: [], state, revision, position, alreadyHandled: true };

    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, revision, position };

    const expectedRevision: ExpectedRevision = revision === -1 ? 'no_stream' : revision;
    try {
      const result = await store.appendToStream(
        streamName,
        events.map((event, index) => ({
          id: deterministicEventId(streamName, context.commandId, index),
          type: event.type,
          data: event.data as EventData,
          metadata: { schemaVersion: 1, occurredAt: new Date().toISOString(), ...context.metadata },
        })),
        { expectedRevision },
      );
      return {
        events,
        state: events.reduce((s, e) => decider.evolve(s, e), state),
        revision: result.nextExpectedRevision,
        position: result.position,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxRetries) throw error;
      // A little random wait spreads out writers that keep colliding on a busy stream.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * (attempt + 1))));
    }
  }
}
