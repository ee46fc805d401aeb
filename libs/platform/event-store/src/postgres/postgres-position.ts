import type { GlobalPosition } from '../event-store.port';

const U64_MAX = (1n << 64n) - 1n;

/** Where an event sits in the PostgreSQL log: its transaction's id (xid8), then its row's sequence number. */
export interface PostgresLogPosition {
  /** `pg_current_xact_id()` of the appending transaction: an unsigned 64-bit number (epoch and xid). */
  transactionId: bigint;
  /** The row's `bigint` identity: below 2^63. */
  sequence: bigint;
}

/**
 * Readers order events by (transaction id, sequence): a transaction's events all share its id and
 * take their sequence numbers in the order they were written. Both halves are unsigned 64-bit
 * numbers, so `transactionId * 2^64 + sequence` orders exactly as the pair does, as one bigint (and
 * as its decimal string read as a number), which is what the port's GlobalPosition asks for. No
 * smaller packing is safe: xid8 already uses all of its 64 bits' range over a server's life (the
 * epoch), and a sequence shifted into fewer bits would overflow after enough events.
 */
export function encodePostgresPosition({ transactionId, sequence }: PostgresLogPosition): GlobalPosition {
  if (transactionId < 0n || transactionId > U64_MAX || sequence < 0n || sequence > U64_MAX) {
    throw new RangeError(`PostgreSQL log position out of range: transaction ${transactionId}, sequence ${sequence}`);
  }
  return (transactionId << 64n) | sequence;
}

/** The inverse of `encodePostgresPosition`. */
export function decodePostgresPosition(position: GlobalPosition): PostgresLogPosition {
  if (position < 0n || position >> 128n !== 0n) throw new RangeError(`${position} is not a PostgreSQL global position`);
  return { transactionId: position >> 64n, sequence: position & U64_MAX };
}
