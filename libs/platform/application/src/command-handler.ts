import { Decider, DomainEvent } from '@clientele/platform/core';
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
import type { StreamStateCache } from './stream-state-cache';

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
  /** The events this command appended (empty when it decided nothing, e.g. same type again); for a retry, those of the first run. */
  events: Event[];
  state: State;
  /** Revision of the stream after the command; -1 when the stream does not exist. */
  revision: number;
  /** Global position of the stream's last event after the command (null for no stream): wait for projections up to it. */
  position: GlobalPosition | null;
  /** True when this command id had already been handled: nothing was decided or appended again. */
  alreadyHandled?: boolean;
}

/** Turns stored events into the decider's events and back (e.g. sealing personal data). */
export interface EventCodec<Event> {
  decode(recorded: RecordedEvent): Promise<Event>;
  encode(event: Event, streamName: string): Promise<EventData>;
}

export interface HandleCommandOptions<State = unknown, Event = unknown> {
  /** How many times to reload and decide again after a concurrent append. Default 3. */
  maxRetries?: number;
  codec?: EventCodec<Event>;
  /**
   * Keeps the stream's folded state between commands (for long streams such as an account's
   * roster). The decider must then be idempotent on its own: a retried command is recognised by
   * the decider, not by finding its event ids in the part of the stream that was read.
   */
  cache?: StreamStateCache<State>;
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
  options: HandleCommandOptions<State, Event> = {},
): Promise<CommandResult<State, Event>> {
  const run = () => decideAndAppend(store, streamName, decider, command, context, options);
  return options.cache ? options.cache.withLock(streamName, run) : run();
}

async function decideAndAppend<Command, State, Event extends DomainEvent<string, object>>(
  store: EventStore,
  streamName: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  context: CommandContext,
  options: HandleCommandOptions<State, Event>,
): Promise<CommandResult<State, Event>> {
  const maxRetries = options.maxRetries ?? 3;
  const decode = options.codec ? (e: RecordedEvent) => options.codec!.decode(e) : async (e: RecordedEvent) => domainEvent<Event>(e);
  for (let attempt = 0; ; attempt++) {
    const cached = options.cache?.get(streamName);
    const history = await store.readStream(streamName, cached ? { fromRevision: cached.revision + 1 } : undefined);
    let state = cached ? cached.state : decider.initialState();
    for (const recorded of history) state = decider.evolve(state, await decode(recorded));
    const revision = history.length ? history[history.length - 1].revision : (cached?.revision ?? -1);
    const position = history.length ? history[history.length - 1].position : (cached?.position ?? null);
    options.cache?.set(streamName, { state, revision, position });

    // The same command ran before (a retry after a lost answer): its events are already here, and
    // the answer is the same as the first time.
    const firstEventId = deterministicEventId(streamName, context.commandId, 0);
    const first = history.findIndex((e) => e.id === firstEventId);
    if (first !== -1) {
      const earlier: Event[] = [];
      for (let i = first; i < history.length && history[i].id === deterministicEventId(streamName, context.commandId, i - first); i++) {
        earlier.push(await decode(history[i]));
      }
      return { events: earlier, state, revision, position, alreadyHandled: true };
    }

    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, revision, position };

    const expectedRevision: ExpectedRevision = revision === -1 ? 'no_stream' : revision;
    try {
      const occurredAt = new Date().toISOString();
      const newEvents = [];
      for (const [index, event] of events.entries()) {
        newEvents.push({
          id: deterministicEventId(streamName, context.commandId, index),
          type: event.type,
          data: options.codec ? await options.codec.encode(event, streamName) : (event.data as EventData),
          metadata: { schemaVersion: 1, occurredAt, ...context.metadata },
        });
      }
      const result = await store.appendToStream(streamName, newEvents, { expectedRevision });
      const nextState = events.reduce((s, e) => decider.evolve(s, e), state);
      options.cache?.set(streamName, { state: nextState, revision: result.nextExpectedRevision, position: result.position });
      return { events, state: nextState, revision: result.nextExpectedRevision, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxRetries) throw error;
      // A little random wait spreads out writers that keep colliding on a busy stream.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * (attempt + 1))));
    }
  }
}
