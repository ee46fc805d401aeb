/**
 * The event store port. Every service appends its events through it and every projector and
 * outbox relay reads them back through it. Three adapters implement it (SQLite for the embedded
 * profile, EventStoreDB and PostgreSQL for production) and all pass the same contract suite
 * (`testing/event-store.contract.ts`).
 */

/** Revision of the last event in a stream: 0 for a stream holding one event. */
export type StreamRevision = number;

/**
 * What the writer believes about the stream before appending:
 * - `no_stream`: it must not exist yet;
 * - `stream_exists`: it must exist;
 * - `any`: no check;
 * - a number: the revision of its last event must be exactly that.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | StreamRevision;

/**
 * A position in the log of all events. It only ever grows: an event committed after another
 * always has a greater position. Opaque to callers apart from ordering and storing it as a
 * checkpoint (`positionToString` / `positionFromString`).
 */
export type GlobalPosition = bigint;

export type EventData = Record<string, unknown>;

/** Metadata the platform puts on every event (architecture.md, "Conventions"). */
export interface EventMetadata {
  occurredAt?: string;
  actor?: { id: string; role: string };
  correlationId?: string;
  causationId?: string;
  schemaVersion?: number;
  [key: string]: unknown;
}

export interface NewEvent<Type extends string = string, Data extends EventData = EventData> {
  /** Deterministic per command (see `deterministicEventId`), so a retried command appends nothing twice. */
  id: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data extends EventData = EventData> {
  id: string;
  type: Type;
  streamName: string;
  revision: StreamRevision;
  position: GlobalPosition;
  data: Data;
  metadata: EventMetadata;
  recordedAt: Date;
}

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append: pass it as the next expectedRevision. */
  nextExpectedRevision: StreamRevision;
  /** Position of the last event of the batch (or of the stream, for an idempotent no-op). */
  position: GlobalPosition;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first (forwards) or last (backwards) event. */
  fromRevision?: StreamRevision;
  maxCount?: number;
}

/** Selects events by stream category (`client` for `client-<id>`) and/or event type. */
export interface EventFilter {
  streamCategories?: readonly string[];
  eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit to start at the beginning. */
  after?: GlobalPosition;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: the position of the last event already handled. */
  after?: GlobalPosition;
  filter?: EventFilter;
}

export type EventHandler = (event: RecordedEvent) => Promise<void> | void;

/**
 * A catch-up-then-live subscription. Events reach the handler one at a time, in position order;
 * the next one waits until the handler's promise settles. When the handler throws, the
 * subscription stops and `done` rejects with that error: the caller restarts it from its last
 * stored checkpoint.
 */
export interface Subscription {
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export interface EventStore {
  /**
   * Appends the events at the end of the stream, all or none, if the stream is where
   * `expectedRevision` says; else throws WrongExpectedRevisionError.
   *
   * Retrying an append (the same event ids, in the same order) is what a command does after a
   * timeout or a lost answer. What is guaranteed:
   * - with the expected revision of the original append, `no_stream` or an exact revision, the
   *   retry appends nothing and succeeds (every adapter; EventStoreDB compares the ids with those
   *   of the events stored after that revision);
   * - with `any` (or `stream_exists`) it is best-effort: SQLite and PostgreSQL look the ids up and
   *   append nothing, but EventStoreDB recognises the retry only while the original write is in
   *   its cache of recent writes, and otherwise appends the events again under new revisions.
   * Writers that must append exactly once pass `no_stream` or the revision they read.
   */
  appendToStream(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** A stream that does not exist (or was deleted) reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the newest event, or null when the store holds none (progress bars, catch-up checks). */
  headPosition(): Promise<GlobalPosition | null>;
  subscribeToAll(handler: EventHandler, options?: SubscribeOptions): Subscription;
  /**
   * Deletes a stream, if it exists, so that it reads as empty (`readStream`). That is all every
   * adapter guarantees, and all the contract suite checks:
   * - it is no erasure: SQLite and PostgreSQL remove the events from the log, but EventStoreDB
   *   (a soft delete) keeps them in `$all`, so `readAll` and subscriptions go on delivering them
   *   until a scavenge. Projectors must cope with both. Personal data is erased by shredding its
   *   keys (docs/ERASURE.md), never by deleting streams; no service deletes streams.
   * - appending to a deleted stream (with `any`) recreates it holding only the new events; their
   *   revisions restart at 0 (SQLite, PostgreSQL) or go on after the deleted ones (EventStoreDB),
   *   so the writer takes the next expected revision from the append's answer, never assumes 0.
   * A hard delete (EventStoreDB's tombstone, which forbids recreation) is not offered: SQLite and
   * PostgreSQL could not refuse the recreation without keeping a record of every deleted name.
   */
  deleteStream(streamName: string): Promise<void>;
  /** Answers whether the store can be reached, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The category of `client-1234` is `client`: streams are `<category>-<id>`. */
export function streamCategory(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(0, dash);
}

export function positionToString(position: GlobalPosition): string {
  return position.toString();
}

export function positionFromString(value: string): GlobalPosition {
  if (!/^\d+$/.test(value)) throw new Error(`"${value}" is not a global position`);
  return BigInt(value);
}

export function matchesFilter(event: Pick<RecordedEvent, 'type' | 'streamName'>, filter?: EventFilter): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamCategories && !filter.streamCategories.includes(streamCategory(event.streamName))) return false;
  return true;
}
