import { MongoServerError, type Document as BsonDocument } from 'mongodb';
import { FencedOffError, encodeVersion } from '../document-store.port';

/**
 * How the MongoDB adapter reads the server's errors and its fence. Pure functions over the driver's
 * own error classes: unit tested without a server.
 */

/** The server's error codes that the adapter handles (src/mongo/base/error_codes.yml). */
export const MONGO_ERROR_CODES = Object.freeze({
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  NamespaceExists: 48,
  NoSuchTransaction: 251,
  DuplicateKey: 11000,
});

export function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === MONGO_ERROR_CODES.DuplicateKey;
}

/** Whether a duplicate-key error comes from the `_id` index (rather than a unique index of the read model). */
export function isIdIndex(error: MongoServerError): boolean {
  const pattern = (error.keyPattern ?? error.errInfo?.keyPattern) as BsonDocument | undefined;
  if (pattern && typeof pattern === 'object') {
    const keys = Object.keys(pattern);
    return keys.length === 1 && keys[0] === '_id';
  }
  return /index: _id_ /.test(error.message);
}

/** A collection that does not exist, e.g. the source of a rename. */
export function isNamespaceNotFound(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === MONGO_ERROR_CODES.NamespaceNotFound;
}

/** `dropIndexes` of an index that does not exist. */
export function isIndexNotFound(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === MONGO_ERROR_CODES.IndexNotFound;
}

/** `create` of a collection that exists (servers before 7.0 refuse it even with the same options). */
export function isNamespaceExists(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === MONGO_ERROR_CODES.NamespaceExists;
}

/**
 * The fence of a processor, as one `findOneAndUpdate`: filtered on `_id` alone, so that the upsert
 * never meets a duplicate key, and a pipeline that raises the stored token when ours is not lower
 * and otherwise keeps the document as it is. The document from before the update tells whether we
 * were fenced off (see `fenceRefusal`).
 *
 * Why not let a duplicate key refuse the stale token: inside a transaction that error aborts the
 * transaction on the server, the next operation of the session then fails with NoSuchTransaction
 * labelled TransientTransactionError, and `withTransaction` retries the whole callback for two
 * minutes before throwing that error instead of FencedOffError.
 */
export function fenceUpdate(
  id: string,
  processor: string,
  token: bigint,
): { filter: { _id: string }; update: BsonDocument[]; options: { upsert: true; returnDocument: 'before'; projection: { _v: 1 } } } {
  const version = encodeVersion(token);
  const fence = { _id: id, processor, token: token.toString(), _v: version, _deleted: false };
  return {
    filter: { _id: id },
    // `$lte` in an expression puts a missing or null `_v` below any string: a first fence is written.
    // `$literal` keeps the processor name from being read as a path should it start with `$`.
    update: [{ $replaceWith: { $cond: { if: { $lte: ['$_v', version] }, then: { $literal: fence }, else: '$$ROOT' } } }],
    options: { upsert: true, returnDocument: 'before', projection: { _v: 1 } },
  };
}

/** The FencedOffError for a fence whose stored version (from before the update) is above our token, or null. */
export function fenceRefusal(processor: string, token: bigint, previous: BsonDocument | null | undefined): FencedOffError | null {
  const stored: unknown = previous?._v;
  if (typeof stored !== 'string' || stored <= encodeVersion(token)) return null;
  return new FencedOffError(processor, token, BigInt(`0x${stored}`));
}
