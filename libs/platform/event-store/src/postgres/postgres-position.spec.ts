import fc from 'fast-check';
import { positionFromString, positionToString } from '../event-store.port';
import { decodePostgresPosition, encodePostgresPosition } from './postgres-position';

const U64_MAX = (1n << 64n) - 1n;
const logPosition = fc.record({ transactionId: fc.bigInt({ min: 0n, max: U64_MAX }), sequence: fc.bigInt({ min: 0n, max: U64_MAX }) });

describe('PostgreSQL global positions', () => {
  it('round-trips (transaction id, sequence), through the checkpoint string too', () => {
    fc.assert(
      fc.property(logPosition, (position) => {
        expect(decodePostgresPosition(encodePostgresPosition(position))).toEqual(position);
        expect(positionFromString(positionToString(encodePostgresPosition(position)))).toBe(encodePostgresPosition(position));
      }),
    );
  });

  it('orders exactly as (transaction id, sequence) does, whatever the two halves', () => {
    fc.assert(
      fc.property(logPosition, logPosition, (a, b) => {
        const byPair = a.transactionId === b.transactionId ? Math.sign(Number(a.sequence - b.sequence)) : Math.sign(Number(a.transactionId - b.transactionId));
        const packedA = encodePostgresPosition(a);
        const packedB = encodePostgresPosition(b);
        expect(packedA === packedB ? 0 : packedA < packedB ? -1 : 1).toBe(byPair);
      }),
    );
    // A later transaction with a smaller sequence number (it took its numbers first, committed last) still sorts after.
    expect(encodePostgresPosition({ transactionId: 1001n, sequence: 5n })).toBeGreaterThan(encodePostgresPosition({ transactionId: 1000n, sequence: 9n }));
  });

  it('refuses what no PostgreSQL position can be', () => {
    expect(() => encodePostgresPosition({ transactionId: -1n, sequence: 0n })).toThrow(RangeError);
    expect(() => encodePostgresPosition({ transactionId: 0n, sequence: U64_MAX + 1n })).toThrow(RangeError);
    expect(() => decodePostgresPosition(1n << 128n)).toThrow(RangeError);
  });
});
