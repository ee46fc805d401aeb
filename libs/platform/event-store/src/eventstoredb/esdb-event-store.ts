import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  CurrentRevision,
  Filter,
  Position,
  ReadRevision,
  ResolvedEvent,
  RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { WrongExpectedRevisionError } from '../errors';
import {
  AppendOptions,
  AppendResult,
  EventData,
  EventFilter,
  EventHandler,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamRevision,
  SubscribeOptions,
  Subscription,
  matchesFilter,
} from '../event-store.port';
import { EsdbConnectionIdentity, connectionIdentity, rethrowAccessFailure } from './esdb-access';
import { settleAppend } from './esdb-append';
import { assertFilteredReadsSupported, readAllFiltered } from './esdb-filtered-read';
import { findHeadPosition } from './esdb-head';

export { EsdbAccessError } from './esdb-access';

export interface EsdbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false`. */
  connectionString: string;
  /** Events (matching ones, for a filtered read) fetched per round trip by `readAll`. */
  readAllPageSize?: number;
  /** `ping` fails when the server has not answered within this many milliseconds. */
  pingTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Global positions
// ---------------------------------------------------------------------------------------------

const U64_MAX = (1n << 64n) - 1n;

/**
 * An EventStoreDB `$all` position is a (commit, prepare) pair of unsigned 64-bit log offsets,
 * ordered by commit then prepare. Packing it as `commit * 2^64 + prepare` keeps that order in a
 * single bigint (and in its decimal string, compared as a number), which is what the port asks for.
 */
export function encodeEsdbPosition(position: Position): GlobalPosition {
  const { commit, prepare } = position;
  if (commit < 0n || commit > U64_MAX || prepare < 0n || prepare > U64_MAX) {
    throw new RangeError(`EventStoreDB position out of range: commit ${commit}, prepare ${prepare}`);
  }
  return (commit << 64n) | prepare;
}

/** The inverse of `encodeEsdbPosition`. */
export function decodeEsdbPosition(position: GlobalPosition): Position {
  if (position < 0n || position >> 128n !== 0n) {
    throw new RangeError(`${position} is not an EventStoreDB global position`);
  }
  return { commit: position >> 64n, prepare: position & U64_MAX };
}

/**
 * Servers before 22.6 do not fill the `$all` position of events read from a stream: they send
 * nothing or ulong.MaxValue. Such a position is unknown, never a real one.
 */
function knownPosition(position: Position | undefined): Position | undefined {
  if (!position) return undefined;
  if (position.commit >= U64_MAX || position.prepare >= U64_MAX) return undefined;
  return position;
}

// ---------------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Event store on EventStoreDB (gRPC client v6, server 22.6 or later: older servers leave the
 * `$all` position of stream reads empty).
 *
 * - Revisions, optimistic concurrency and idempotent appends (same event ids at the same expected
 *   revision append nothing) are EventStoreDB's own; with `any` the server recognises a retry only
 *   from its cache of recent writes (the port's appendToStream says so). Event ids must be UUIDs.
 * - A refused access (no credentials, or a user that may not read `$all`) throws EsdbAccessError,
 *   whose message says which stream and what to put in EVENTSTORE_URL; `open` checks `$all` first.
 * - Deleting is a soft delete, as the port's deleteStream allows: the stream reads as empty, but
 *   its events stay in `$all` until a scavenge, and a recreated stream continues its revisions
 *   after the deleted ones (the server sets its truncate-before to the first new revision).
 * - Filtered reads and subscriptions are filtered by the server (`readAll` sends the filter the
 *   v6 client's own `readAll` cannot, see esdb-filtered-read.ts) and checked again here.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly readAllPageSize: number;
  private readonly pingTimeoutMs: number;
  private readonly subscriptions = new Set<Subscription>();
  /** Who the client signs in as (never the password), to explain a refused read. */
  private readonly identity: EsdbConnectionIdentity;

  /**
   * Opens the store and reads `$all` once, so that a service whose EVENTSTORE_URL may not read it
   * stops at start-up with a sentence saying why (see `describeAccessFailure`).
   */
  static async open(options: EsdbEventStoreOptions): Promise<EsdbEventStore> {
    const store = new EsdbEventStore(options);
    try {
      await store.ping();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  constructor(options: EsdbEventStoreOptions) {
    this.identity = connectionIdentity(options.connectionString);
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    assertFilteredReadsSupported(this.client);
    this.readAllPageSize = Math.max(2, options.readAllPageSize ?? 1000);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  async appendToStream(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    for (const event of events) {
      if (!UUID.test(event.id)) throw new Error(`EventStoreDB needs UUID event ids; "${event.id}" (${event.type}) is not one`);
    }
    const expected = options.expectedRevision;

    let result;
    try {
      result = await this.client.appendToStream(
        streamName,
        events.map((event) =>
          jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {} }),
        ),
        { expectedRevision: toEsdbExpectedRevision(expected) },
      );
    } catch (error) {
      if (isClientError(error, WrongExpectedVersionError, ErrorType.WRONG_EXPECTED_VERSION)) {
        throw new WrongExpectedRevisionError(streamName, expected, toActualRevision(error.actualVersion));
      }
      rethrowAccessFailure(error, streamName, this.identity, 'append to');
    }

    // success is false only with throwOnAppendFailure=false in the connection string; the position
    // is missing after an idempotent retry into a stream deleted since. settleAppend reads back both.
    const position = knownPosition(result.position);
    return settleAppend(streamName, events, expected, result, position ? encodeEsdbPosition(position) : undefined, {
      readBackwards: (fromRevision, maxCount) =>
        this.readStream(streamName, { direction: 'backwards', maxCount, ...(fromRevision === 'end' ? {} : { fromRevision }) }),
      headPosition: () => this.headPosition(),
    });
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];

    let fromRevision: ReadRevision;
    if (options.fromRevision === undefined) fromRevision = backwards ? END : START;
    else if (options.fromRevision < 0) {
      if (backwards) return [];
      fromRevision = START;
    } else fromRevision = BigInt(options.fromRevision);

    let resolved: ResolvedEvent[];
    try {
      resolved = await collect(
        this.client.readStream(streamName, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision,
          ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
        }),
      );
    } catch (error) {
      // Never written, soft-deleted (reads as not found) or tombstoned: all read as empty.
      if (
        isClientError(error, StreamNotFoundError, ErrorType.STREAM_NOT_FOUND) ||
        isClientError(error, StreamDeletedError, ErrorType.STREAM_DELETED)
      ) {
        return [];
      }
      rethrowAccessFailure(error, streamName, this.identity, 'read');
    }

    const events: RecordedEvent[] = [];
    for (const { event } of resolved) {
      if (event) events.push(toRecordedEvent(event, event.position));
    }
    return events;
  }

  async headPosition(): Promise<GlobalPosition | null> {
    // The newest records of $all may all be system events: findHeadPosition pages back past them.
    return findHeadPosition(async (from, maxCount) => {
      const page = await this.readAllStream(
        this.client.readAll({ direction: BACKWARDS, fromPosition: from === 'end' ? END : decodeEsdbPosition(from), maxCount }),
      );
      return page.map((resolved) => ({
        position: allStreamPosition(resolved),
        system: !resolved.event || isSystemEvent(resolved.event),
      }));
    });
  }

  /**
   * Pages through `$all` forwards from `after`. A filtered read is filtered by the server on one
   * thing (see `serverFilter`), so that a poll for a rarely written category (ProcessorRunner's
   * wait for a read model) costs one round trip carrying only matching events; each event is
   * checked against the whole filter here. An unfiltered read only drops system events here.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { maxCount, filter } = options;
    if ((maxCount !== undefined && maxCount <= 0) || filterMatchesNothing(filter)) return [];

    const events: RecordedEvent[] = [];
    // Reads from a position include the event at that position: drop everything up to the cursor.
    let cursor = options.after;
    const pageSize = readAllPageSize(this.readAllPageSize, maxCount, filter);

    for (;;) {
      const fromPosition = cursor === undefined ? START : decodeEsdbPosition(cursor);
      const page = await this.readAllStream(
        filter
          ? readAllFiltered(this.client, fromPosition, pageSize, serverFilter(filter))
          : this.client.readAll({ direction: FORWARDS, fromPosition, maxCount: pageSize }),
      );

      let progressed = false;
      for (const resolved of page) {
        const position = allStreamPosition(resolved);
        if (position === undefined || (cursor !== undefined && position <= cursor)) continue;
        cursor = position;
        progressed = true;
        const event = resolved.event;
        if (!event || isSystemEvent(event) || !matchesFilter({ type: event.type, streamName: event.streamId }, filter)) {
          continue;
        }
        events.push(toRecordedEvent(event, event.position));
        if (maxCount !== undefined && events.length >= maxCount) return events;
      }

      // A short page is the end of $all (for a filtered read: of the matching events).
      if (page.length < pageSize || !progressed) return events;
    }
  }

  subscribeToAll(handler: EventHandler, options: SubscribeOptions = {}): Subscription {
    const { after, filter } = options;
    if (filterMatchesNothing(filter)) return this.track(idleSubscription());

    const subscription = this.client.subscribeToAll({
      // Exclusive: the first event delivered is the one after this position.
      fromPosition: after === undefined ? START : decodeEsdbPosition(after),
      filter: serverFilter(filter),
    });
    let stopping = false;
    let handlerFailed = false;

    const run = async (): Promise<void> => {
      try {
        // `for await` pulls the next event only after the handler's promise settled; meanwhile
        // the stream's buffer fills and back-pressure pauses the gRPC call.
        for await (const resolved of subscription) {
          if (stopping) return;
          const event = resolved.event;
          if (!event || isSystemEvent(event)) continue;
          if (after !== undefined && encodeEsdbPosition(event.position) <= after) continue;
          if (!matchesFilter({ type: event.type, streamName: event.streamId }, filter)) continue;
          handlerFailed = true;
          await handler(toRecordedEvent(event, event.position));
          handlerFailed = false;
        }
        if (!stopping) throw new Error('The EventStoreDB subscription to $all ended unexpectedly');
      } catch (error) {
        // stop() cutting the stream short is no failure; a failing handler always is.
        if (stopping && !handlerFailed) return;
        if (handlerFailed) throw error;
        rethrowAccessFailure(error, '$all', this.identity);
      } finally {
        await subscription.unsubscribe().catch(() => undefined);
      }
    };

    const done = run();
    return this.track({
      done,
      stop: async () => {
        stopping = true;
        await subscription.unsubscribe().catch(() => undefined);
        // Ends a `for await` that is waiting for the next event.
        subscription.destroy();
        await done.catch(() => undefined);
      },
    });
  }

  async deleteStream(streamName: string): Promise<void> {
    try {
      await this.client.deleteStream(streamName, { expectedRevision: ANY });
    } catch (error) {
      // Deleting a stream that never existed answers "wrong expected version" (or not found).
      if (
        isClientError(error, StreamNotFoundError, ErrorType.STREAM_NOT_FOUND) ||
        isClientError(error, WrongExpectedVersionError, ErrorType.WRONG_EXPECTED_VERSION) ||
        isClientError(error, StreamDeletedError, ErrorType.STREAM_DELETED)
      ) {
        return;
      }
      rethrowAccessFailure(error, streamName, this.identity, 'delete');
    }
  }

  /** Reads the last event of `$all`: one cheap round trip that fails when the server is away. */
  async ping(): Promise<void> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void read.cancel().catch(() => undefined);
        reject(new Error(`EventStoreDB did not answer a ping within ${this.pingTimeoutMs} ms`));
      }, this.pingTimeoutMs);
    });
    try {
      await Promise.race([this.readAllStream(read), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /** Remembered until it ends, so that close() can stop it. */
  private track(subscription: Subscription): Subscription {
    this.subscriptions.add(subscription);
    const forget = () => void this.subscriptions.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  /** Every read of `$all` goes through here: a refused one says which URL setting to fix. */
  private async readAllStream(read: AsyncIterable<AllStreamResolvedEvent>): Promise<AllStreamResolvedEvent[]> {
    try {
      return await collect(read);
    } catch (error) {
      return rethrowAccessFailure(error, '$all', this.identity);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------

function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`${expected} is not a stream revision`);
      return BigInt(expected);
  }
}

function toActualRevision(current: CurrentRevision): StreamRevision | 'no_stream' {
  return current === NO_STREAM || current < 0n ? 'no_stream' : Number(current);
}

function toRecordedEvent(event: EsdbRecordedEvent, position: Position | undefined): RecordedEvent {
  const known = knownPosition(position);
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: Number(event.revision),
    // Only a server older than 22.6 leaves it out (on stream reads); 0n then means "unknown".
    position: known ? encodeEsdbPosition(known) : 0n,
    data: toObject(event.data) as EventData,
    metadata: toObject(event.metadata) as EventMetadata,
    // The v6 client already turns the server's .NET ticks into a Date.
    recordedAt: event.created instanceof Date ? event.created : new Date(event.created as unknown as number),
  };
}

/** JSON events arrive parsed; anything else (binary, foreign events) is parsed here if it can be. */
function toObject(value: unknown): Record<string, unknown> {
  let parsed = value;
  if (value instanceof Uint8Array) {
    if (value.length === 0) return {};
    try {
      parsed = JSON.parse(Buffer.from(value).toString('utf8'));
    } catch {
      return {};
    }
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

function allStreamPosition(resolved: AllStreamResolvedEvent): GlobalPosition | undefined {
  const position = resolved.event?.position ?? resolved.link?.position;
  return position ? encodeEsdbPosition(position) : undefined;
}

/** `$`-prefixed types and streams are EventStoreDB's own (metadata, links, stats, settings). */
function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/**
 * Events asked of the server per page of `readAll`. With a maximum count, a page holds it plus
 * one, since the page starts with the event at `after` itself when that one is returned too; when
 * the server applies the whole filter (`serverFilterIsExact`), every other event of the page is
 * a match, so one page is enough. Otherwise pages are full-sized.
 */
export function readAllPageSize(configured: number, maxCount: number | undefined, filter: EventFilter | undefined): number {
  if (maxCount === undefined) return configured;
  if (!filter) return Math.min(configured, Math.max(32, maxCount + 1));
  return serverFilterIsExact(filter) ? Math.min(configured, maxCount + 1) : configured;
}

/** Whether `serverFilter` selects exactly the filter's events (it filters on one thing only). */
function serverFilterIsExact(filter: EventFilter): boolean {
  return !(filter.streamCategories?.length && filter.eventTypes?.length);
}

function filterMatchesNothing(filter: EventFilter | undefined): boolean {
  return filter?.eventTypes?.length === 0 || filter?.streamCategories?.length === 0;
}

/**
 * The server filters on one thing only: the stream categories when there are some, else the event
 * types, else it just drops system events. Both are exact (`client` selects `client-1` and
 * `client`, never `clients-1`); events are still checked against the whole filter on arrival.
 */
function serverFilter(filter: EventFilter | undefined): Filter {
  if (filter?.streamCategories?.length) {
    return streamNameFilter({ regex: `^(?:${filter.streamCategories.map(escapeRegex).join('|')})(?:-|$)` });
  }
  if (filter?.eventTypes?.length) {
    return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  }
  return excludeSystemEvents();
}

/** Escapes the metacharacters of .NET regular expressions (the server compiles the pattern). */
function escapeRegex(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

/** Client errors carry a `type`; checked too, in case two copies of the client get loaded. */
function isClientError<T extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
  errorType: ErrorType,
): error is T {
  return error instanceof type || (error instanceof Error && (error as { type?: unknown }).type === errorType);
}

function idleSubscription(): Subscription {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    done,
    async stop() {
      resolve();
      await done;
    },
  };
}
