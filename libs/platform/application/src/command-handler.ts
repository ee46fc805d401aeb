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

/** A stream's folded state and where the stream stands. */
export interface StreamState<State> {
  state: State;
  /** Revision of the stream; -1 when the stream does not exist. */
  revision: number;
  /** Global position of the stream's last event (null for no stream): wait for projections up to it. */
  position: GlobalPosition | null;
}

/**
 * What a decider's `decide` returns when the caller needs more than the events: a typed `result`
 * (for example why each enrolment of a batch was or was not recorded).
 */
export interface DeciderOutcome<Event, Result> {
  events: Event[];
  result: Result;
}

/** A decider whose `decide` answers with its events and a result (a `DeciderOutcome`). */
export interface DeciderWithOutcome<Command, State, Event extends DomainEvent, Result> extends Omit<Decider<Command, State, Event>, 'decide'> {
  decide(command: Command, state: State): DeciderOutcome<Event, Result>;
}

/** The state and revision after the command (see `StreamState`). */
export interface CommandResult<State, Event, Result = undefined> extends StreamState<State> {
  /** The events this command appended (empty when it decided nothing, e.g. same type again); for a retry, those of the first run. */
  events: Event[];
  /** True when this command id had already been handled: nothing was decided or appended again. */
  alreadyHandled?: boolean;
  /** What a `DeciderWithOutcome` decided besides its events; absent when `decide` did not run (`alreadyHandled`). */
  result?: Result;
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
 *
 * A `DeciderWithOutcome` hands back a typed result besides its events: the result of the decision
 * that was appended comes back as `result`.
 */
export function handleCommand<Command, State, Event extends DomainEvent<string, object>, Result>(
  store: EventStore,
  streamName: string,
  decider: DeciderWithOutcome<Command, State, Event, Result>,
  command: Command,
  context: CommandContext,
  options?: HandleCommandOptions<State, Event>,
): Promise<CommandResult<State, Event, Result>>;
export function handleCommand<Command, State, Event extends DomainEvent<string, object>>(
  store: EventStore,
  streamName: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  context: CommandContext,
  options?: HandleCommandOptions<State, Event>,
): Promise<CommandResult<State, Event>>;
export async function handleCommand<Command, State, Event extends DomainEvent<string, object>, Result>(
  store: EventStore,
  streamName: string,
  decider: Decider<Command, State, Event> | DeciderWithOutcome<Command, State, Event, Result>,
  command: Command,
  context: CommandContext,
  options: HandleCommandOptions<State, Event> = {},
): Promise<CommandResult<State, Event, Result>> {
  const run = () => decideAndAppend(store, streamName, decider, command, context, options);
  return options.cache ? options.cache.withLock(streamName, run) : run();
}

/**
 * The stream's current state, for a read that decides nothing: folded through the same cache (and
 * its lock) as `handleCommand`, so a cached stream reads only what was appended since.
 */
export async function readState<State, Event extends DomainEvent<string, object>>(
  store: EventStore,
  streamName: string,
  decider: Pick<Decider<unknown, State, Event>, 'evolve' | 'initialState'>,
  options: Pick<HandleCommandOptions<State, Event>, 'codec' | 'cache'> = {},
): Promise<StreamState<State>> {
  const read = async (): Promise<StreamState<State>> => {
    const { state, revision, position } = await load(store, streamName, decider, options);
    return { state, revision, position };
  };
  return options.cache ? options.cache.withLock(streamName, read) : read();
}

/** Reads what the cache does not have of the stream (all of it without a cache), folds it and caches the result. */
async function load<State, Event extends DomainEvent<string, object>>(
  store: EventStore,
  streamName: string,
  decider: Pick<Decider<unknown, State, Event>, 'evolve' | 'initialState'>,
  options: Pick<HandleCommandOptions<State, Event>, 'codec' | 'cache'>,
): Promise<StreamState<State> & { history: RecordedEvent[] }> {
  const cached = options.cache?.get(streamName);
  const history = await store.readStream(streamName, cached ? { fromRevision: cached.revision + 1 } : undefined);
  let state = cached ? cached.state : decider.initialState();
  for (const recorded of history) state = decider.evolve(state, await decode(recorded, options.codec));
  const revision = history.length ? history[history.length - 1].revision : (cached?.revision ?? -1);
  const position = history.length ? history[history.length - 1].position : (cached?.position ?? null);
  options.cache?.set(streamName, { state, revision, position });
  return { state, revision, position, history };
}

function decode<Event extends DomainEvent<string, object>>(recorded: RecordedEvent, codec: EventCodec<Event> | undefined): Promise<Event> {
  return codec ? codec.decode(recorded) : Promise.resolve(domainEvent<Event>(recorded));
}

/** The events to append, and the result when the decider gave one (a plain decider's answer has no `result` at all). */
function outcomeOf<Event, Result>(decided: Event[] | DeciderOutcome<Event, Result>): { events: Event[]; result?: Result } {
  return Array.isArray(decided) ? { events: decided } : decided;
}

async function decideAndAppend<Command, State, Event extends DomainEvent<string, object>, Result>(
  store: EventStore,
  streamName: string,
  decider: Decider<Command, State, Event> | DeciderWithOutcome<Command, State, Event, Result>,
  command: Command,
  context: CommandContext,
  options: HandleCommandOptions<State, Event>,
): Promise<CommandResult<State, Event, Result>> {
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const { state, revision, position, history } = await load(store, streamName, decider, options);

    // The same command ran before (a retry after a lost answer): its events are already here, and
    // the answer is the same as the first time.
    const firstEventId = deterministicEventId(streamName, context.commandId, 0);
    const first = history.findIndex((e) => e.id === firstEventId);
    if (first !== -1) {
      const earlier: Event[] = [];
      for (let i = first; i < history.length && history[i].id === deterministicEventId(streamName, context.commandId, i - first); i++) {
        earlier.push(await decode(history[i], options.codec));
      }
      return { events: earlier, state, revision, position, alreadyHandled: true };
    }

    const outcome = outcomeOf<Event, Result>(decider.decide(command, state));
    const { events } = outcome;
    if (events.length === 0) return { ...outcome, state, revision, position };

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
      const appended = await store.appendToStream(streamName, newEvents, { expectedRevision });
      const nextState = events.reduce((s, e) => decider.evolve(s, e), state);
      options.cache?.set(streamName, { state: nextState, revision: appended.nextExpectedRevision, position: appended.position });
      return { ...outcome, state: nextState, revision: appended.nextExpectedRevision, position: appended.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxRetries) throw error;
      // A little random wait spreads out writers that keep colliding on a busy stream.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * (attempt + 1))));
    }
  }
}
