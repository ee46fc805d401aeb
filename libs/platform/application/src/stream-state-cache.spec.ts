import { StreamStateCache } from './stream-state-cache';

const entry = (size: number, revision = 0) => ({ state: { size }, revision, position: null });

describe('StreamStateCache', () => {
  it('keeps at most maxEntries streams, the least recently used out first', () => {
    const cache = new StreamStateCache<{ size: number }>({ maxEntries: 2 });
    cache.set('a', entry(1));
    cache.set('b', entry(1));
    cache.get('a'); // a is now more recent than b
    cache.set('c', entry(1));
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size.entries).toBe(2);
  });

  it('keeps at most about maxBytes over all entries (issue 17: an unbounded cache of growing states is a leak)', () => {
    const cache = new StreamStateCache<{ size: number }>({ maxEntries: 1000, maxBytes: 1000, sizeOf: (s) => s.size });
    for (let i = 0; i < 100; i++) cache.set(`s${i}`, entry(200));
    expect(cache.size.bytes).toBeLessThanOrEqual(1000);
    expect(cache.size.entries).toBe(5);
    // Growing one stream's state replaces its old size, never adds to it.
    for (let revision = 1; revision < 50; revision++) cache.set('s99', entry(240, revision));
    expect(cache.size.bytes).toBeLessThanOrEqual(1000);
    expect(cache.get('s99')?.revision).toBe(49);
  });

  it('does not keep a state larger than a quarter of the bound at all', () => {
    const cache = new StreamStateCache<{ size: number }>({ maxBytes: 1000, sizeOf: (s) => s.size });
    cache.set('small', entry(100));
    cache.set('huge', entry(400));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('small')).toBeDefined();
    expect(cache.size).toEqual({ entries: 1, bytes: 100 });
  });

  it('forgets an entry and its bytes', () => {
    const cache = new StreamStateCache<{ size: number }>({ sizeOf: (s) => s.size });
    cache.set('a', entry(10));
    cache.forget('a');
    cache.forget('a');
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('still accepts the old form: a number is the most entries', () => {
    const cache = new StreamStateCache<{ size: number }>(1);
    cache.set('a', entry(1));
    cache.set('b', entry(1));
    expect(cache.size.entries).toBe(1);
  });
});
