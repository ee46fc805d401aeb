import { positionFromString, positionToString } from '../event-store.port';
import { decodeEsdbPosition, encodeEsdbPosition } from './esdb-event-store';

const U64_MAX = (1n << 64n) - 1n;

describe('EventStoreDB global positions', () => {
  it('round-trips commit and prepare', () => {
    for (const position of [
      { commit: 0n, prepare: 0n },
      { commit: 1234n, prepare: 1234n },
      { commit: 5000n, prepare: 4096n },
      { commit: 1n, prepare: U64_MAX },
      { commit: U64_MAX, prepare: U64_MAX },
    ]) {
      expect(decodeEsdbPosition(encodeEsdbPosition(position))).toEqual(position);
    }
  });

  it('orders by commit first, then by prepare, as $all does', () => {
    const ordered = [
      { commit: 0n, prepare: 0n },
      { commit: 0n, prepare: 1n },
      { commit: 1n, prepare: 0n },
      { commit: 1n, prepare: U64_MAX },
      { commit: 2n, prepare: 1n },
      { commit: 1000n, prepare: 900n },
      { commit: 1000n, prepare: 1000n },
      { commit: U64_MAX, prepare: 0n },
    ];
    const encoded = ordered.map(encodeEsdbPosition);
    for (let i = 1; i < encoded.length; i++) expect(encoded[i] > encoded[i - 1]).toBe(true);
    const shuffled = [...encoded].reverse().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(shuffled).toEqual(encoded);
  });

  it('keeps its order through the checkpoint string form', () => {
    const a = encodeEsdbPosition({ commit: 41n, prepare: U64_MAX });
    const b = encodeEsdbPosition({ commit: 42n, prepare: 0n });
    expect(positionFromString(positionToString(a))).toBe(a);
    expect(positionFromString(positionToString(b)) > positionFromString(positionToString(a))).toBe(true);
  });

  it('rejects what is not a position', () => {
    expect(() => encodeEsdbPosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    expect(() => encodeEsdbPosition({ commit: 0n, prepare: U64_MAX + 1n })).toThrow(RangeError);
    expect(() => decodeEsdbPosition(-1n)).toThrow(RangeError);
    expect(() => decodeEsdbPosition(1n << 128n)).toThrow(RangeError);
  });
});
