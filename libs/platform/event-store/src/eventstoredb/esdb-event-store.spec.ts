import { Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { AccessDenied, StreamIdentifier, UUID, WrongExpectedVersion } from '@eventstore/db-client/generated/shared_pb';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { BatchAppendReq, BatchAppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError } from '../errors';
import { EsdbAccessError } from './esdb-access';
import { EsdbEventStore, encodeEsdbPosition, readAllPageSize } from './esdb-event-store';
import { filteredReadAllRequest } from './esdb-filtered-read';
import { START, eventTypeFilter, streamNameFilter } from '@eventstore/db-client';

/**
 * The adapter and the real client (@eventstore/db-client 6.x, its gRPC calls, converters and
 * errors) against a stand-in server on loopback that speaks EventStoreDB's gRPC protocol with the
 * client's own generated messages. It answers only what each test needs: no EventStoreDB here.
 */
interface StoredRecord {
  id?: string;
  streamName: string;
  type: string;
  revision: number;
  commit: bigint;
}

interface FakeServerBehaviour {
  /** `$all` as the server holds it, oldest first. */
  all?: StoredRecord[];
  /** Every read refused with this gRPC code (and EventStoreDB's `exception` metadata when given). */
  refuseReads?: { code: status; details: string; exception?: string };
  /** How every batch append is answered: refused (the stream being at `current`), or done without a position. */
  appendAnswer?: { refusedAt: number } | { succeededAt: number; withoutPosition: true } | { accessDenied: true };
}

class FakeEsdbServer {
  readonly readRequests: ReadReq[] = [];
  /** Events sent back by every read so far: what the client had to receive and decode. */
  eventsSent = 0;
  private readonly server = new Server();
  private port = 0;

  constructor(private readonly behaviour: FakeServerBehaviour) {
    this.server.addService(ServerFeaturesService, {
      // Announces batch append, as every server since 21.10 does: the client then appends through it.
      getSupportedMethods: (_call: unknown, callback: (error: null, reply: SupportedMethods) => void) => {
        const batchAppend = new SupportedMethod().setServiceName('event_store.client.streams.Streams').setMethodName('BatchAppend');
        callback(null, new SupportedMethods().setEventStoreServerVersion('23.10.0').setMethodsList([batchAppend]));
      },
    });
    this.server.addService(StreamsService, {
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      batchAppend: (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.batchAppend(call),
    });
  }

  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false&throwOnAppendFailure=false`;
  }

  async start(): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  private read(call: ServerWritableStream<ReadReq, ReadResp>): void {
    this.readRequests.push(call.request);
    const refusal = this.behaviour.refuseReads;
    if (refusal) {
      const metadata = new Metadata();
      if (refusal.exception) metadata.set('exception', refusal.exception);
      call.emit('error', { code: refusal.code, details: refusal.details, metadata });
      return;
    }
    const options = call.request.getOptions()!;
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const count = Number(options.getCount());
    let records = this.behaviour.all ?? [];
    const allOptions = options.getAll();
    if (allOptions) {
      // Backwards from a position: the records before it, as EventStoreDB reads $all backwards.
      const position = allOptions.getPosition();
      if (position) {
        const from = BigInt(position.getCommitPosition());
        records = records.filter((record) => (backwards ? record.commit < from : record.commit >= from));
      }
    } else {
      const streamOptions = options.getStream()!;
      const name = Buffer.from(streamOptions.getStreamIdentifier()!.getStreamName_asU8()).toString('utf8');
      records = records.filter((record) => record.streamName === name);
      if (streamOptions.hasRevision()) {
        const from = Number(streamOptions.getRevision());
        records = records.filter((record) => (backwards ? record.revision <= from : record.revision >= from));
      }
    }
    // A filtered read of $all returns up to `count` matching events (the server's ReadAllForwardsFiltered).
    const filter = options.getFilter();
    if (filter) records = records.filter((record) => matchesServerFilter(filter, record));
    const ordered = backwards ? [...records].reverse() : records;
    for (const record of ordered.slice(0, count)) {
      this.eventsSent += 1;
      call.write(readResponse(record));
    }
    call.end();
  }

  private batchAppend(call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    call.on('data', (request: BatchAppendReq) => {
      if (!request.getIsFinal()) return;
      const options = request.getOptions();
      const answer = new BatchAppendResp().setCorrelationId(request.getCorrelationId());
      if (options) answer.setStreamIdentifier(options.getStreamIdentifier());
      const how = this.behaviour.appendAnswer;
      if (how && 'accessDenied' in how) {
        const details = new Any();
        details.pack(new AccessDenied().serializeBinary(), 'event_store.client.AccessDenied');
        answer.setError(new Status().setCode(Code.PERMISSION_DENIED).setMessage('Access denied').setDetails(details));
      } else if (how && 'refusedAt' in how) {
        const refused = new WrongExpectedVersion()
          .setCurrentStreamRevision(String(how.refusedAt))
          .setExpectedStreamPosition(options?.getStreamPosition() ?? '0');
        const details = new Any();
        details.pack(refused.serializeBinary(), 'event_store.client.WrongExpectedVersion');
        answer.setError(new Status().setCode(Code.FAILED_PRECONDITION).setMessage('WrongExpectedVersion').setDetails(details));
      } else {
        // What the server answers an idempotent retry whose events it cannot place: a revision, no position.
        answer.setSuccess(new BatchAppendResp.Success().setCurrentRevision(String(how?.succeededAt ?? 0)).setNoPosition(new Empty()));
      }
      call.write(answer);
    });
    call.on('end', () => call.end());
  }
}

function matchesServerFilter(filter: ReadReq.Options.FilterOptions, record: StoredRecord): boolean {
  const [expression, value] = filter.hasStreamIdentifier()
    ? [filter.getStreamIdentifier()!, record.streamName]
    : [filter.getEventType()!, record.type];
  const prefixes = expression.getPrefixList();
  if (prefixes.length > 0) return prefixes.some((prefix) => value.startsWith(prefix));
  return new RegExp(expression.getRegex()).test(value);
}

function readResponse(record: StoredRecord): ReadResp {
  const event = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(record.id ?? randomUUID()))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(record.streamName, 'utf8')))
    .setStreamRevision(String(record.revision))
    .setCommitPosition(String(record.commit))
    .setPreparePosition(String(record.commit))
    .setData(Buffer.from('{}', 'utf8'));
  event.getMetadataMap().set('type', record.type).set('content-type', 'application/json').set('created', '0');
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(event).setCommitPosition(String(record.commit)));
}

async function withServer(behaviour: FakeServerBehaviour, test: (server: FakeEsdbServer) => Promise<void>): Promise<void> {
  const server = new FakeEsdbServer(behaviour);
  await server.start();
  try {
    await test(server);
  } finally {
    await server.stop();
  }
}

describe('EventStoreDB adapter with the real client, against a stand-in server', () => {
  it('stops at start-up with a sentence when EVENTSTORE_URL may not read $all', async () => {
    await withServer({ refuseReads: { code: status.PERMISSION_DENIED, details: 'Access denied.', exception: 'access-denied' } }, async (server) => {
      const opening = EsdbEventStore.open({ connectionString: server.connectionString, pingTimeoutMs: 30_000 });
      await expect(opening).rejects.toBeInstanceOf(EsdbAccessError);
      await expect(opening).rejects.toThrow(/EVENTSTORE_URL carries no credentials allowed to read \$all; put an admin user .*esdb:\/\/admin:<password>@127\.0\.0\.1:\d+\?tls=false/);
    });
  });

  it('says the same when a projector subscribes or reads $all, or the head is asked for', async () => {
    await withServer({ refuseReads: { code: status.PERMISSION_DENIED, details: 'Access denied.', exception: 'access-denied' } }, async (server) => {
      const store = new EsdbEventStore({ connectionString: server.connectionString.replace('esdb://', 'esdb://reader:hunter22@') });
      try {
        const subscription = store.subscribeToAll(() => undefined);
        await expect(subscription.done).rejects.toThrow(/user "reader" of EVENTSTORE_URL may not read \$all/);
        await expect(store.readAll()).rejects.toBeInstanceOf(EsdbAccessError);
        const head = store.headPosition();
        await expect(head).rejects.toBeInstanceOf(EsdbAccessError);
        await expect(head).rejects.not.toThrow(/hunter22/);
      } finally {
        await store.close();
      }
    });
  });

  it('names the stream when an append is refused', async () => {
    await withServer({ appendAnswer: { accessDenied: true } }, async (server) => {
      const store = new EsdbEventStore({ connectionString: server.connectionString });
      try {
        const append = store.appendToStream('client-1', [{ id: randomUUID(), type: 'Happened', data: {} }], { expectedRevision: 'any' });
        await expect(append).rejects.toBeInstanceOf(EsdbAccessError);
        await expect(append).rejects.toThrow(/refused to let this service append to client-1 \(access denied\): EVENTSTORE_URL carries no credentials/);
      } finally {
        await store.close();
      }
    });
  });

  it('finds the head of $all behind more system events than one page holds', async () => {
    const all: StoredRecord[] = [
      { streamName: 'client-1', type: 'ClientAdded', revision: 0, commit: 100n },
      ...Array.from({ length: 400 }, (_, i) => ({ streamName: '$stats-127.0.0.1:2113', type: '$statsCollected', revision: i, commit: BigInt(200 + i) })),
    ];
    await withServer({ all }, async (server) => {
      const store = new EsdbEventStore({ connectionString: server.connectionString });
      try {
        await expect(store.headPosition()).resolves.toBe(encodeEsdbPosition({ commit: 100n, prepare: 100n }));
        expect(server.readRequests.length).toBeGreaterThan(1);
      } finally {
        await store.close();
      }
    });
  });

  it('reports the revision the stream really has when an append is refused with throwOnAppendFailure=false', async () => {
    const all: StoredRecord[] = Array.from({ length: 7 }, (_, revision) => ({ streamName: 'client-1', type: 'Happened', revision, commit: BigInt(10 + revision) }));
    await withServer({ all, appendAnswer: { refusedAt: 6 } }, async (server) => {
      const store = new EsdbEventStore({ connectionString: server.connectionString });
      try {
        const append = store.appendToStream('client-1', [{ id: randomUUID(), type: 'Happened', data: {} }], { expectedRevision: 3 });
        await expect(append).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        // The client itself resolves with nextExpectedRevision 1n here (its batch append bug).
        await expect(append).rejects.toMatchObject({ expected: 3, actual: 6 });
      } finally {
        await store.close();
      }
    });
  });

  it('answers an idempotent retry the server confirmed without a position with the position of the batch', async () => {
    const batch = [{ id: randomUUID(), type: 'Happened', data: {} }, { id: randomUUID(), type: 'Happened', data: {} }];
    const all: StoredRecord[] = [
      { streamName: 'client-1', type: 'Happened', revision: 0, commit: 10n },
      { id: batch[0].id, streamName: 'client-1', type: 'Happened', revision: 1, commit: 20n },
      { id: batch[1].id, streamName: 'client-1', type: 'Happened', revision: 2, commit: 30n },
      { streamName: 'client-1', type: 'Happened', revision: 3, commit: 40n },
    ];
    await withServer({ all, appendAnswer: { succeededAt: 2, withoutPosition: true } }, async (server) => {
      const store = new EsdbEventStore({ connectionString: server.connectionString });
      try {
        await expect(store.appendToStream('client-1', batch, { expectedRevision: 0 })).resolves.toEqual({
          nextExpectedRevision: 2,
          position: encodeEsdbPosition({ commit: 30n, prepare: 30n }),
        });
      } finally {
        await store.close();
      }
    });
  });

  it('is a success, not an error, when the retried events are in a stream deleted since', async () => {
    // The stream reads as empty; the newest event of $all is elsewhere.
    const all: StoredRecord[] = [{ streamName: 'other-1', type: 'Happened', revision: 0, commit: 50n }];
    await withServer({ all, appendAnswer: { succeededAt: 0, withoutPosition: true } }, async (server) => {
      const store = new EsdbEventStore({ connectionString: server.connectionString });
      try {
        await expect(store.appendToStream('client-1', [{ id: randomUUID(), type: 'Happened', data: {} }], { expectedRevision: 'no_stream' })).resolves.toEqual({
          nextExpectedRevision: 0,
          position: encodeEsdbPosition({ commit: 50n, prepare: 50n }),
        });
      } finally {
        await store.close();
      }
    });
  });

  describe('filtered reads of $all (the wait for a read model polls them)', () => {
    const position = (commit: bigint) => encodeEsdbPosition({ commit, prepare: commit });
    // A rarely written category among a lot of traffic from other services.
    const all: StoredRecord[] = [
      { streamName: 'invoice-1', type: 'InvoiceIssued', revision: 0, commit: 10n },
      ...Array.from({ length: 300 }, (_, i) => ({ streamName: `session-${i}`, type: 'SessionBooked', revision: 0, commit: BigInt(20 + i) })),
      { streamName: 'invoice-2', type: 'InvoicePaid', revision: 0, commit: 400n },
      { streamName: 'invoice-2', type: 'InvoiceIssued', revision: 1, commit: 410n },
      { streamName: 'invoices-1', type: 'InvoiceIssued', revision: 0, commit: 420n },
      { streamName: 'invoice-3', type: 'InvoiceIssued', revision: 0, commit: 430n },
    ];

    it('asks the server to filter, so a poll receives only the events it wants', async () => {
      await withServer({ all }, async (server) => {
        const store = new EsdbEventStore({ connectionString: server.connectionString });
        try {
          const next = await store.readAll({ after: position(10n), filter: { streamCategories: ['invoice'] }, maxCount: 1 });
          expect(next.map((e) => [e.streamName, e.type])).toEqual([['invoice-2', 'InvoicePaid']]);
          expect(server.readRequests).toHaveLength(1);
          const options = server.readRequests[0].getOptions()!;
          expect(options.hasFilter()).toBe(true);
          expect(options.getFilter()!.getStreamIdentifier()!.getRegex()).toBe('^(?:invoice)(?:-|$)');
          // The event at `after` (it matches) and the one asked for: not the 300 in between.
          expect(server.eventsSent).toBeLessThanOrEqual(2);

          // Nothing new yet: still one round trip, carrying only the event at `after`.
          server.eventsSent = 0;
          await expect(store.readAll({ after: position(430n), filter: { streamCategories: ['invoice'] }, maxCount: 1 })).resolves.toEqual([]);
          expect(server.eventsSent).toBeLessThanOrEqual(1);
        } finally {
          await store.close();
        }
      });
    });

    it('pages on when the server filters on categories and the types are checked here', async () => {
      await withServer({ all }, async (server) => {
        const store = new EsdbEventStore({ connectionString: server.connectionString, readAllPageSize: 2 });
        try {
          const issued = await store.readAll({ filter: { streamCategories: ['invoice'], eventTypes: ['InvoiceIssued'] } });
          expect(issued.map((e) => e.streamName)).toEqual(['invoice-1', 'invoice-2', 'invoice-3']);
          const second = await store.readAll({ after: position(10n), maxCount: 1, filter: { streamCategories: ['invoice'], eventTypes: ['InvoiceIssued'] } });
          expect(second.map((e) => e.position)).toEqual([position(410n)]);
          const byType = await store.readAll({ after: position(10n), filter: { eventTypes: ['InvoicePaid'] } });
          expect(byType.map((e) => e.streamName)).toEqual(['invoice-2']);
          expect(server.readRequests.every((request) => request.getOptions()!.hasFilter())).toBe(true);
        } finally {
          await store.close();
        }
      });
    });

    it('builds the request the server runs as a filtered read, not as a subscription', () => {
      const sent = ReadReq.deserializeBinary(
        filteredReadAllRequest({ commit: 7n, prepare: 5n }, 3, eventTypeFilter({ regex: '^(?:A|B)$' })).serializeBinary(),
      ).getOptions()!;
      expect(sent.hasSubscription()).toBe(false);
      expect(sent.getReadDirection()).toBe(ReadReq.Options.ReadDirection.FORWARDS);
      expect(sent.getCount()).toBe('3');
      expect(sent.getAll()!.getPosition()!.toObject()).toEqual({ commitPosition: '7', preparePosition: '5' });
      expect(sent.getFilter()!.getEventType()!.getRegex()).toBe('^(?:A|B)$');
      expect(sent.getFilter()!.hasStreamIdentifier()).toBe(false);

      const fromStart = filteredReadAllRequest(START, 1, streamNameFilter({ prefixes: ['client-'] })).getOptions()!;
      expect(fromStart.getAll()!.hasStart()).toBe(true);
      expect(fromStart.getFilter()!.getStreamIdentifier()!.getPrefixList()).toEqual(['client-']);
      expect(() => filteredReadAllRequest(START, 0, streamNameFilter({ prefixes: ['client-'] }))).toThrow(RangeError);
    });

    it('asks for one page holding the count and the event at `after` when the server applies the whole filter', () => {
      expect(readAllPageSize(1000, 1, { streamCategories: ['invoice'] })).toBe(2);
      expect(readAllPageSize(1000, 1, { eventTypes: ['InvoicePaid'] })).toBe(2);
      expect(readAllPageSize(1000, 1, { streamCategories: ['invoice'], eventTypes: ['InvoicePaid'] })).toBe(1000);
      expect(readAllPageSize(1000, undefined, { streamCategories: ['invoice'] })).toBe(1000);
      expect(readAllPageSize(1000, 5, undefined)).toBe(32);
    });
  });
});
