import { EVENT_TYPE, EventStoreDBClient, START, STREAM_NAME } from '@eventstore/db-client';
import type { AllStreamResolvedEvent, Filter, Position } from '@eventstore/db-client';
import { ReadStream } from '@eventstore/db-client/dist/streams/utils/ReadStream';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq } from '@eventstore/db-client/generated/streams_pb';

/**
 * A read of `$all` forwards that the server filters.
 *
 * The server's Read call has always accepted a filter on `$all` reads (it then runs its
 * `ReadAllForwardsFiltered`, returning up to `count` matching events and scanning the log itself),
 * but the 6.x client's `readAll` always sends "no filter": only its subscriptions send one. So
 * this builds the request the way the client's own `subscribeToAll` builds its filter, minus the
 * subscription, and sends it through the client's connection, credentials and error conversion
 * (the same steps as the client's `readAll`). `@kurrent/kurrentdb-client`, the client's successor,
 * sends this same request from its `readAll({ filter })`.
 */
export function filteredReadAllRequest(fromPosition: Position | typeof START, maxCount: number, filter: Filter): ReadReq {
  if (!Number.isSafeInteger(maxCount) || maxCount <= 0) throw new RangeError(`${maxCount} is not a count of events to read`);

  const allOptions = new ReadReq.Options.AllOptions();
  if (fromPosition === START) {
    allOptions.setStart(new Empty());
  } else {
    allOptions.setPosition(
      new ReadReq.Options.Position()
        .setCommitPosition(fromPosition.commit.toString(10))
        .setPreparePosition(fromPosition.prepare.toString(10)),
    );
  }

  const expression = new ReadReq.Options.FilterOptions.Expression();
  if ('prefixes' in filter) expression.setPrefixList(filter.prefixes);
  if ('regex' in filter) expression.setRegex(filter.regex);
  const filterOptions = new ReadReq.Options.FilterOptions();
  if (filter.filterOn === STREAM_NAME) filterOptions.setStreamIdentifier(expression);
  else if (filter.filterOn === EVENT_TYPE) filterOptions.setEventType(expression);
  else throw new Error(`Unknown EventStoreDB filter target "${String(filter.filterOn)}"`);
  if (filter.maxSearchWindow !== undefined) filterOptions.setMax(filter.maxSearchWindow);
  else filterOptions.setCount(new Empty());
  // Only subscriptions send checkpoints; the field must still be positive.
  filterOptions.setCheckpointintervalmultiplier(Math.max(1, filter.checkpointInterval));

  const uuidOption = new ReadReq.Options.UUIDOption().setString(new Empty());
  const options = new ReadReq.Options()
    .setAll(allOptions)
    .setResolveLinks(false)
    .setCount(maxCount.toString(10))
    .setUuidOption(uuidOption)
    .setReadDirection(ReadReq.Options.ReadDirection.FORWARDS)
    .setFilter(filterOptions);
  return new ReadReq().setOptions(options);
}

/**
 * The client's protected plumbing that its own `readAll` uses (the same in every 6.x release).
 * Indexed access types reach protected members, so these keep the client's own signatures.
 */
interface ClientPlumbing {
  GRPCStreamCreator: EventStoreDBClient['GRPCStreamCreator'];
  callArguments: EventStoreDBClient['callArguments'];
}

function plumbing(client: EventStoreDBClient): ClientPlumbing {
  const candidate = client as unknown as Partial<ClientPlumbing>;
  if (typeof candidate.GRPCStreamCreator !== 'function' || typeof candidate.callArguments !== 'function') {
    // A client upgrade that dropped them must fail loudly here, not fall back to scanning $all.
    throw new Error('@eventstore/db-client no longer exposes GRPCStreamCreator/callArguments: server-side filtered reads need updating');
  }
  return candidate as ClientPlumbing;
}

/** Sends `filteredReadAllRequest`; the answer is read like the client's own `readAll`. */
export function readAllFiltered(
  client: EventStoreDBClient,
  fromPosition: Position | typeof START,
  maxCount: number,
  filter: Filter,
): AsyncIterable<AllStreamResolvedEvent> {
  const request = filteredReadAllRequest(fromPosition, maxCount, filter);
  // Both are arrow functions bound to the client when it is constructed.
  const { GRPCStreamCreator, callArguments } = plumbing(client);
  const createStream = GRPCStreamCreator(StreamsClient, 'readAllFiltered', (grpc) =>
    grpc.read(request, ...callArguments({}, { deadline: Infinity })),
  );
  return new ReadStream<AllStreamResolvedEvent>(createStream, convertGrpcEvent, {});
}

/** Verifies at construction that the client still has what `readAllFiltered` needs. */
export function assertFilteredReadsSupported(client: EventStoreDBClient): void {
  plumbing(client);
}
