import { randomUUID } from 'node:crypto';
import { CheckpointAheadError, DocumentStore, DuplicateDocumentError, Document, FencedOffError, Filter, FindOptions } from '../document-store.port';

interface Person extends Document {
  accountId: string;
  firstName: string;
  lastName: string;
  email: string;
  age: number | null;
  vip?: boolean;
  type: string;
  address?: { city: string };
}

/**
 * Filters on fields whose value is an array, or runs through one, and the ids they match among
 * `arrayFieldDocs` (the port's rule: no operator looks at the elements, see `FieldCondition`).
 * Exported so that the MongoDB translation is checked against them without a server too.
 */
export const arrayFieldDocs: readonly Document[] = [
  { id: 'r1', tags: ['vip', 'New'], items: [{ name: 'a' }], nums: [1, 5] },
  { id: 'r2', tags: 'vip', items: { name: 'a' }, nums: 3 },
  { id: 'r3', tags: [null], items: [] },
  { id: 'r4' },
  { id: 'r5', tags: [] },
];
export const arrayFieldCases: ReadonlyArray<readonly [Filter, readonly string[]]> = [
  [{ tags: 'vip' }, ['r2']],
  [{ tags: { $eq: 'vip' } }, ['r2']],
  [{ tags: null }, ['r4']],
  [{ tags: { $ne: 'vip' } }, ['r1', 'r3', 'r4', 'r5']],
  [{ tags: { $ne: null } }, ['r1', 'r2', 'r3', 'r5']],
  [{ tags: { $in: ['vip', 'New', null] } }, ['r2', 'r4']],
  [{ tags: { $nin: ['vip'] } }, ['r1', 'r3', 'r4', 'r5']],
  [{ tags: { $nin: [null] } }, ['r1', 'r2', 'r3', 'r5']],
  [{ tags: { $contains: 'VI' } }, ['r2']],
  [{ tags: { $exists: true } }, ['r1', 'r2', 'r3', 'r5']],
  [{ tags: { $exists: false } }, ['r4']],
  [{ tags: { $exists: true, $ne: 'vip' } }, ['r1', 'r3', 'r5']],
  [{ nums: { $gte: 1 } }, ['r2']],
  [{ nums: { $lt: 10, $ne: 3 } }, []],
  [{ 'items.name': 'a' }, ['r2']],
  [{ 'items.name': null }, ['r1', 'r3', 'r4', 'r5']],
  [{ 'items.name': { $ne: 'a' } }, ['r1', 'r3', 'r4', 'r5']],
  [{ 'items.name': { $in: ['a'] } }, ['r2']],
  [{ 'items.name': { $nin: ['a', null] } }, []],
  [{ 'items.name': { $contains: 'A' } }, ['r2']],
  [{ 'items.name': { $exists: true } }, ['r2']],
  [{ 'items.name': { $exists: false } }, ['r1', 'r3', 'r4', 'r5']],
  [{ $or: [{ tags: 'New' }, { 'items.name': 'a' }] }, ['r2']],
];

/**
 * The one behavioural contract of the document store port, run against every adapter. Each test
 * uses fresh collection names so it can also run against a shared, long-lived server.
 */
export function documentStoreContract(adapterName: string, open: () => Promise<DocumentStore>): void {
  describe(`DocumentStore contract: ${adapterName}`, () => {
    let store: DocumentStore;
    let name: string;

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(() => {
      name = `c${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    });

    const people: Person[] = [
      { id: 'p1', accountId: 'a', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', age: 36, vip: true, type: 'full_access', address: { city: 'London' } },
      { id: 'p2', accountId: 'a', firstName: 'Alan', lastName: 'Turing', email: 'alan@Example.org', age: 41, type: 'offline' },
      { id: 'p3', accountId: 'a', firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.mil', age: null, type: 'full_access_one_way' },
      { id: 'p4', accountId: 'a', firstName: 'Émile', lastName: 'Zola', email: 'emile@exemple.fr', age: 62, vip: false, type: 'full_access' },
      { id: 'p5', accountId: 'b', firstName: 'Ada', lastName: 'Byron', email: 'other@example.com', age: 20, type: 'full_access' },
    ];
    const seed = () => store.commit(people.map((doc, i) => ({ op: 'upsert', collection: name, doc, version: i + 1 })));
    const ids = (docs: Document[]) => docs.map((d) => d.id);

    describe('writes', () => {
      it('gets a document by id, and null for a missing one', async () => {
        await seed();
        expect(await store.collection<Person>(name).get('p1')).toEqual(people[0]);
        expect(await store.collection(name).get('nope')).toBeNull();
      });

      it('applies a versioned upsert once: the same or an older version changes nothing', async () => {
        const collection = store.collection(name);
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', n: 1 }, version: 5 }]);
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', n: 2 }, version: 5 }]);
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', n: 3 }, version: 4 }]);
        expect(await collection.get('x')).toEqual({ id: 'x', n: 1 });
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', n: 4 }, version: 6n }]);
        expect(await collection.get('x')).toEqual({ id: 'x', n: 4 });
      });

      it('compares versions as numbers, also beyond 2^64', async () => {
        const big = 2n ** 64n + 10n;
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', n: 1 }, version: big }]);
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', n: 2 }, version: 99 }]);
        expect(await store.collection(name).get('x')).toEqual({ id: 'x', n: 1 });
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', n: 3 }, version: big + 1n }]);
        expect(await store.collection(name).get('x')).toEqual({ id: 'x', n: 3 });
      });

      it('patches fields of an existing document under the same guard', async () => {
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', a: 1, b: { c: 'k' } }, version: 1 }]);
        await store.commit([{ op: 'patch', collection: name, id: 'x', set: { a: 2, tags: ['t'], 'b.c': 'm' }, version: 2 }]);
        await store.commit([{ op: 'patch', collection: name, id: 'x', set: { a: 99 }, version: 2 }]);
        await store.commit([{ op: 'patch', collection: name, id: 'missing', set: { a: 1 }, version: 3 }]);
        expect(await store.collection(name).get('x')).toEqual({ id: 'x', a: 2, b: { c: 'm' }, tags: ['t'] });
        expect(await store.collection(name).get('missing')).toBeNull();
      });

      it('deletes with a tombstone that an older replayed write cannot bring back', async () => {
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x' }, version: 1 }]);
        await store.commit([{ op: 'delete', collection: name, id: 'x', version: 2 }]);
        expect(await store.collection(name).get('x')).toBeNull();
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x' }, version: 1 }]);
        expect(await store.collection(name).get('x')).toBeNull();
        expect(await store.collection(name).count()).toBe(0);
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x', back: true }, version: 3 }]);
        expect(await store.collection(name).get('x')).toEqual({ id: 'x', back: true });
      });

      it('deletes outright without a version', async () => {
        await store.commit([{ op: 'upsert', collection: name, doc: { id: 'x' } }]);
        await store.commit([{ op: 'delete', collection: name, id: 'x' }]);
        expect(await store.collection(name).get('x')).toBeNull();
      });

      it('fails the whole commit when an insert meets an existing id', async () => {
        await store.commit([{ op: 'insert', collection: name, doc: { id: 'seen' } }]);
        const attempt = store.commit([
          { op: 'upsert', collection: `${name}_other`, doc: { id: 'effect' } },
          { op: 'insert', collection: name, doc: { id: 'seen' } },
        ]);
        await expect(attempt).rejects.toBeInstanceOf(DuplicateDocumentError);
      });

      it('rolls back the other writes of a failed commit where the engine has transactions', async () => {
        if (!store.transactional) return;
        await store.commit([{ op: 'insert', collection: name, doc: { id: 'seen' } }]);
        await expect(
          store.commit([
            { op: 'upsert', collection: `${name}_other`, doc: { id: 'effect' } },
            { op: 'insert', collection: name, doc: { id: 'seen' } },
          ]),
        ).rejects.toBeInstanceOf(DuplicateDocumentError);
        expect(await store.collection(`${name}_other`).get('effect')).toBeNull();
      });
    });

    describe('checkpoints', () => {
      it('stores a processor checkpoint with its read models', async () => {
        const processor = `p_${name}`;
        expect(await store.getCheckpoint(processor)).toBeNull();
        await store.commit([
          { op: 'upsert', collection: name, doc: { id: 'x' }, version: 7 },
          { op: 'checkpoint', processor, position: 7n },
        ]);
        expect(await store.getCheckpoint(processor)).toBe(7n);
        await store.commit([{ op: 'checkpoint', processor, position: 2n ** 70n }]);
        expect(await store.getCheckpoint(processor)).toBe(2n ** 70n);
        await store.commit([{ op: 'checkpoint', processor, position: null }]);
        expect(await store.getCheckpoint(processor)).toBeNull();
      });

      it('only moves a checkpoint forward, unless it is reset', async () => {
        const processor = `p_${name}`;
        await store.commit([{ op: 'checkpoint', processor, position: 10n }]);
        await store.commit([{ op: 'checkpoint', processor, position: 9n }]);
        expect(await store.getCheckpoint(processor)).toBe(10n);
        await store.commit([{ op: 'checkpoint', processor, position: null }]);
        await store.commit([{ op: 'checkpoint', processor, position: 3n }]);
        expect(await store.getCheckpoint(processor)).toBe(3n);
      });
    });

    describe('fencing tokens', () => {
      it('refuses a whole commit fenced with a token lower than one already seen, and accepts equal or higher ones', async () => {
        const processor = `f_${name}`;
        const write = (token: bigint, id: string, position: bigint) =>
          store.commit([
            { op: 'fence', processor, token },
            { op: 'upsert', collection: name, doc: { id, by: token.toString() }, version: position },
            { op: 'checkpoint', processor, position },
          ]);
        await write(5n, 'a', 1n);
        await write(5n, 'b', 2n);
        await write(9n, 'c', 3n); // a new holder took over
        await expect(write(5n, 'd', 4n)).rejects.toBeInstanceOf(FencedOffError); // the old one woke up
        await expect(store.commit([{ op: 'fence', processor, token: 8n }])).rejects.toMatchObject({ name: 'FencedOffError', token: 8n, current: 9n });
        const docs = await store.collection(name).find({});
        expect(docs.map((d) => d.id).sort()).toEqual(['a', 'b', 'c']);
        expect(await store.getCheckpoint(processor)).toBe(3n);
        await write(2n ** 70n, 'e', 5n);
        expect(await store.getCheckpoint(processor)).toBe(5n);
        await expect(write(9n, 'f', 6n)).rejects.toBeInstanceOf(FencedOffError);
      });

      it('keeps fencing tokens per processor', async () => {
        await store.commit([{ op: 'fence', processor: `g1_${name}`, token: 100n }]);
        await store.commit([{ op: 'fence', processor: `g2_${name}`, token: 1n }]);
        await expect(store.commit([{ op: 'fence', processor: `g1_${name}`, token: 99n }])).rejects.toBeInstanceOf(FencedOffError);
      });
    });

    describe('queries', () => {
      beforeEach(seed);

      it('filters by equality, null and nested fields', async () => {
        const collection = store.collection<Person>(name);
        expect(ids(await collection.find({ accountId: 'a', type: 'full_access' }))).toEqual(['p1', 'p4']);
        expect(ids(await collection.find({ age: null }))).toEqual(['p3']);
        expect(ids(await collection.find({ 'address.city': 'London' }))).toEqual(['p1']);
        expect(ids(await collection.find({ vip: true }))).toEqual(['p1']);
        expect(ids(await collection.find({ id: 'p2' }))).toEqual(['p2']);
      });

      it('filters with $ne, $in, $nin and $exists like MongoDB (a missing field is null)', async () => {
        const collection = store.collection<Person>(name);
        expect(ids(await collection.find({ vip: { $ne: true } }))).toEqual(['p2', 'p3', 'p4', 'p5']);
        expect(ids(await collection.find({ type: { $in: ['offline', 'full_access_one_way'] } }))).toEqual(['p2', 'p3']);
        expect(ids(await collection.find({ type: { $nin: ['full_access'] } }))).toEqual(['p2', 'p3']);
        expect(ids(await collection.find({ age: { $in: [null, 20] } }))).toEqual(['p3', 'p5']);
        expect(ids(await collection.find({ vip: { $exists: true } }))).toEqual(['p1', 'p4']);
        expect(ids(await collection.find({ vip: { $exists: false } }))).toEqual(['p2', 'p3', 'p5']);
        expect(await collection.find({ type: { $in: [] } })).toEqual([]);
      });

      it('compares values of the same JSON type only, like MongoDB', async () => {
        const collection = store.collection(name);
        await store.commit([
          { op: 'upsert', collection: name, doc: { id: 't1', flag: true, n: 1, s: '5' } },
          { op: 'upsert', collection: name, doc: { id: 't2', flag: 1, n: 'abc', s: 5 } },
        ]);
        expect(ids(await collection.find({ flag: true }))).toEqual(['t1']);
        expect(ids(await collection.find({ flag: 1 }))).toEqual(['t2']);
        expect(ids(await collection.find({ n: { $gt: 0 } }))).toEqual(['t1']);
        expect(ids(await collection.find({ s: '5' }))).toEqual(['t1']);
        expect(ids(await collection.find({ s: { $in: [5] } }))).toEqual(['t2']);
      });

      it('filters by ranges, never matching null', async () => {
        const collection = store.collection<Person>(name);
        expect(ids(await collection.find({ age: { $gte: 36, $lt: 62 } }))).toEqual(['p1', 'p2']);
        expect(ids(await collection.find({ age: { $lte: 36 } }))).toEqual(['p1', 'p5']);
        expect(ids(await collection.find({ lastName: { $gt: 'T' } }))).toEqual(['p2', 'p4']);
      });

      it('matches a case-insensitive substring, accents included, combined with $or', async () => {
        const collection = store.collection<Person>(name);
        expect(ids(await collection.find({ email: { $contains: 'EXAMPLE' } }))).toEqual(['p1', 'p2', 'p5']);
        expect(ids(await collection.find({ firstName: { $contains: 'émi' } }))).toEqual(['p4']);
        expect(ids(await collection.find({ firstName: { $contains: 'a.*' } }))).toEqual([]);
        const search = 'ad';
        const filter = { accountId: 'a', $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: search } })) };
        expect(ids(await collection.find(filter))).toEqual(['p1']);
        expect(ids(await collection.find({ $and: [{ accountId: 'a' }, { age: { $gt: 40 } }] }))).toEqual(['p2', 'p4']);
      });

      it('gives the same answers with a text index, which follows every write', async () => {
        const collection = store.collection<Person>(name);
        const queries = [
          { email: { $contains: 'EXAMPLE' } },
          { firstName: { $contains: 'ÉMI' } },
          { firstName: { $contains: 'émile' } },
          { $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: 'ada' } })) },
          { $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: 'ov' } })) },
          { accountId: 'a', $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: 'lovelace' } })) },
          { $or: [{ firstName: { $contains: 'ada' } }, { lastName: { $contains: 'zola' } }] },
        ];
        const before = await Promise.all(queries.map(async (q) => [ids(await collection.find(q)), await collection.count(q)]));
        await collection.ensureTextIndex(['firstName', 'lastName', 'email']);
        const after = await Promise.all(queries.map(async (q) => [ids(await collection.find(q)), await collection.count(q)]));
        expect(after).toEqual(before);

        await store.commit([
          { op: 'patch', collection: name, id: 'p2', set: { lastName: 'Adaptable' }, version: 50 },
          { op: 'delete', collection: name, id: 'p1', version: 50 },
          { op: 'upsert', collection: name, doc: { ...people[0], id: 'p9', firstName: 'Adalind' }, version: 1 },
        ]);
        const search = { $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: 'ADA' } })) };
        expect(ids(await collection.find(search))).toEqual(['p2', 'p5', 'p9']);
        expect(await collection.count(search)).toBe(3);
      });

      it('gives a page and the count of every match in one call, as find and count do, with and without a text index', async () => {
        const collection = store.collection<Person>(name);
        const searchAll = (term: string) => ({ $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: term } })) });
        const cases: Array<[Filter | undefined, FindOptions]> = [
          [undefined, { sort: [['lastName', 1]], limit: 2 }],
          [{ accountId: 'a' }, { sort: [['lastName', 1]], skip: 1, limit: 2 }],
          [searchAll('example'), { sort: [['lastName', -1]], limit: 2 }],
          [searchAll('example'), { sort: [['lastName', 1]], skip: 2, limit: 2 }],
          // A page past the end: no item, and still the count of every match.
          [searchAll('example'), { sort: [['lastName', 1]], skip: 10, limit: 2 }],
          [{ accountId: 'a', ...searchAll('ada') }, { sort: [['lastName', 1]], limit: 25 }],
          [searchAll('nobody-has-this'), { sort: [['lastName', 1]], limit: 25 }],
        ];
        const expected = async () => Promise.all(cases.map(async ([filter, options]) => ({ items: ids(await collection.find(filter, options)), total: await collection.count(filter) })));
        const pages = async () => Promise.all(cases.map(async ([filter, options]) => collection.findPage(filter, options).then(({ items, total }) => ({ items: ids(items), total }))));
        const without = await expected();
        expect(without.map((page) => page.total)).toEqual([5, 4, 3, 3, 3, 1, 0]);
        expect(await pages()).toEqual(without);
        await collection.ensureTextIndex(['firstName', 'lastName', 'email']);
        expect(await expected()).toEqual(without);
        expect(await pages()).toEqual(without);
      });

      it('keeps a text index over a nested field in step with inserts, and with patches of the field and of the object above it', async () => {
        const collection = store.collection(name);
        await collection.ensureTextIndex(['contact.email']);
        await store.commit([
          { op: 'insert', collection: name, doc: { id: 'n1', contact: { email: 'Ada@Example.com' } } },
          { op: 'upsert', collection: name, doc: { id: 'n2', contact: { email: 'bea@example.com' } }, version: 1 },
        ]);
        const search = async (term: string) => ids(await collection.find({ 'contact.email': { $contains: term } }));
        expect(await search('ada@ex')).toEqual(['n1']);
        await store.commit([{ op: 'patch', collection: name, id: 'n1', set: { contact: { email: 'cleo@example.com' } } }]);
        await store.commit([{ op: 'patch', collection: name, id: 'n2', set: { 'contact.email': 'DORA@example.com' }, version: 2 }]);
        expect(await search('ada@ex')).toEqual([]);
        expect(await search('bea@ex')).toEqual([]);
        expect(await search('cleo@')).toEqual(['n1']);
        expect(await search('dora@')).toEqual(['n2']);
        expect(await search('EXAMPLE.COM')).toEqual(['n1', 'n2']);
        // What the index keeps is the store's own: a document reads back as it was written.
        expect(await collection.get('n2')).toEqual({ id: 'n2', contact: { email: 'DORA@example.com' } });
      });

      it('sorts on several fields, then by id, with skip and limit', async () => {
        const collection = store.collection<Person>(name);
        const byName = await collection.find({}, { sort: [['firstName', 1], ['lastName', -1]] });
        expect(ids(byName)).toEqual(['p1', 'p5', 'p2', 'p3', 'p4']);
        const byAgeDesc = await collection.find({}, { sort: [['age', -1]] });
        expect(ids(byAgeDesc)).toEqual(['p4', 'p2', 'p1', 'p5', 'p3']);
        const page = await collection.find({ accountId: 'a' }, { sort: [['lastName', 1]], skip: 1, limit: 2 });
        expect(ids(page)).toEqual(['p1', 'p2']);
        expect(ids(await collection.find({}, { limit: 2 }))).toEqual(['p1', 'p2']);
      });

      it('counts with a filter', async () => {
        const collection = store.collection<Person>(name);
        expect(await collection.count()).toBe(5);
        expect(await collection.count({ accountId: 'a', type: 'full_access' })).toBe(2);
      });

      it('declares indexes idempotently, and a unique index refuses a duplicate but ignores tombstones', async () => {
        const collection = store.collection<Person>(name);
        await collection.ensureIndexes([{ fields: [['accountId', 1], ['lastName', 1]] }, { fields: [['email', 1]], unique: true }]);
        await collection.ensureIndexes([{ fields: [['accountId', 1], ['lastName', 1]] }, { fields: [['email', 1]], unique: true }]);
        await expect(
          store.commit([{ op: 'upsert', collection: name, doc: { ...people[1], id: 'dup' }, version: 1 }]),
        ).rejects.toBeInstanceOf(DuplicateDocumentError);
        await store.commit([{ op: 'delete', collection: name, id: 'p2', version: 100 }]);
        await store.commit([{ op: 'upsert', collection: name, doc: { ...people[1], id: 'dup' }, version: 1 }]);
        expect((await collection.get('dup'))?.email).toBe(people[1].email);
      });

      it('empties a collection', async () => {
        await store.dropCollection(name);
        expect(await store.collection(name).count()).toBe(0);
      });
    });

    describe('array fields (no operator looks at the elements)', () => {
      it('gives every operator the same answer on arrays, with and without indexes', async () => {
        await store.commit(arrayFieldDocs.map((doc) => ({ op: 'upsert', collection: name, doc })));
        const collection = store.collection(name);
        const answers = async () => Promise.all(arrayFieldCases.map(async ([filter]) => [ids(await collection.find(filter)), await collection.count(filter)]));
        const expected = arrayFieldCases.map(([, matching]) => [matching, matching.length]);
        expect(await answers()).toEqual(expected);
        // One field each: MongoDB refuses a compound index over two arrays of one document.
        await collection.ensureIndexes([{ fields: [['tags', 1]] }, { fields: [['items.name', 1]] }, { fields: [['nums', -1]] }]);
        await collection.ensureTextIndex(['tags', 'items.name']);
        expect(await answers()).toEqual(expected);
      });
    });

    describe('batches (rebuilds)', () => {
      it('reads its own writes, keeps the version guards, and commits it all', async () => {
        await store.batch(async () => {
          await store.commit([{ op: 'upsert', collection: name, doc: { ...people[0], firstName: 'v2' }, version: 2 }]);
          await store.commit([{ op: 'upsert', collection: name, doc: { ...people[0], firstName: 'v1' }, version: 1 }]);
          expect((await store.collection<Person>(name).get('p1'))?.firstName).toBe('v2');
          await store.commit([{ op: 'upsert', collection: name, doc: { ...people[0], firstName: 'v3' }, version: 3 }]);
          await store.commit([{ op: 'patch', collection: name, id: 'p1', set: { age: 99 }, version: 4 }]);
          await store.commit([{ op: 'upsert', collection: name, doc: people[1], version: 1 }]);
          await store.commit([{ op: 'delete', collection: name, id: 'p2', version: 2 }]);
          expect(ids(await store.collection(name).find({}, { sort: [['id', 1]] }))).toEqual(['p1']);
          await store.commit([{ op: 'upsert', collection: name, doc: people[1], version: 1 }]);
          expect(await store.collection(name).get('p2')).toBeNull();
        });
        expect(await store.collection<Person>(name).get('p1')).toEqual({ ...people[0], firstName: 'v3', age: 99 });
        expect(await store.collection(name).count()).toBe(1);
      });

      it('drops the undefined fields of a document written in a batch, as a JSON round trip does', async () => {
        await store.batch(async () => {
          await store.commit([{ op: 'upsert', collection: name, doc: { id: 'u', kept: 1, dropped: undefined }, version: 1 }]);
          expect(await store.collection(name).get('u')).toEqual({ id: 'u', kept: 1 });
        });
        expect(await store.collection(name).get('u')).toEqual({ id: 'u', kept: 1 });
      });

      it('applies nothing of a batch that fails', async () => {
        await expect(
          store.batch(async () => {
            await store.commit([{ op: 'upsert', collection: name, doc: people[0], version: 1 }, { op: 'checkpoint', processor: name, position: 5n }]);
            throw new Error('crash mid-batch');
          }),
        ).rejects.toThrow('crash mid-batch');
        if (store.transactional) {
          expect(await store.collection(name).get('p1')).toBeNull();
          expect(await store.getCheckpoint(name)).toBeNull();
        }
      });
    });

    describe('swapping in rebuilt collections', () => {
      it('replaces the live documents, moves the live checkpoints and clears the rebuild checkpoint', async () => {
        const shadow = `${name}__rebuild`;
        await store.commit([
          { op: 'upsert', collection: name, doc: people[0], version: 1 },
          { op: 'upsert', collection: name, doc: { id: 'stale', accountId: 'a' }, version: 1 },
          { op: 'checkpoint', processor: `${name}_live`, position: 10n },
        ]);
        await store.collection(name).ensureIndexes([{ fields: [['email', 1]], unique: true }]);
        await store.commit([
          { op: 'upsert', collection: shadow, doc: { ...people[0], firstName: 'Rebuilt' }, version: 1 },
          { op: 'upsert', collection: shadow, doc: people[1], version: 1 },
          { op: 'checkpoint', processor: `${name}_rebuild`, position: 12n },
        ]);
        await store.swapCollections([{ live: name, replacement: shadow }], { processors: [`${name}_live`], position: 12n, reset: [`${name}_rebuild`] });
        expect(ids(await store.collection(name).find({}, { sort: [['id', 1]] }))).toEqual(['p1', 'p2']);
        expect((await store.collection<Person>(name).get('p1'))?.firstName).toBe('Rebuilt');
        expect(await store.collection(shadow).count()).toBe(0);
        expect(await store.getCheckpoint(`${name}_live`)).toBe(12n);
        expect(await store.getCheckpoint(`${name}_rebuild`)).toBeNull();
        // The live collection's indexes came along.
        await expect(store.commit([{ op: 'upsert', collection: name, doc: { ...people[1], id: 'dup' } }])).rejects.toBeInstanceOf(DuplicateDocumentError);
      });

      it('swaps in a rebuild that wrote nothing as an empty collection, keeping the plain and unique live indexes', async () => {
        const bare = `${name}b`;
        await store.commit([
          { op: 'upsert', collection: name, doc: people[0], version: 1 },
          { op: 'upsert', collection: bare, doc: people[1], version: 1 },
        ]);
        // One live collection with a plain and a unique index, the other with none.
        await store.collection(name).ensureIndexes([{ fields: [['lastName', 1], ['firstName', -1]] }, { fields: [['email', 1]], unique: true }]);
        await store.swapCollections(
          [
            { live: name, replacement: `${name}__rebuild` },
            { live: bare, replacement: `${bare}__rebuild` },
          ],
          { processors: [], position: 1n },
        );
        expect(await store.collection(name).count()).toBe(0);
        expect(await store.collection(bare).count()).toBe(0);
        await store.commit([{ op: 'upsert', collection: name, doc: people[0], version: 2 }]);
        await expect(store.commit([{ op: 'upsert', collection: name, doc: { ...people[0], id: 'dup' } }])).rejects.toBeInstanceOf(DuplicateDocumentError);
        expect(ids(await store.collection(name).find({ lastName: 'Lovelace' }, { sort: [['lastName', 1], ['firstName', -1]] }))).toEqual(['p1']);
      });

      it('refuses, changing nothing, when a live checkpoint is past the rebuild', async () => {
        const shadow = `${name}__rebuild`;
        await store.commit([{ op: 'upsert', collection: name, doc: people[0], version: 1 }, { op: 'checkpoint', processor: `${name}_live`, position: 20n }]);
        await store.commit([{ op: 'upsert', collection: shadow, doc: people[1], version: 1 }]);
        await expect(store.swapCollections([{ live: name, replacement: shadow }], { processors: [`${name}_live`], position: 15n })).rejects.toBeInstanceOf(
          CheckpointAheadError,
        );
        expect(ids(await store.collection(name).find())).toEqual(['p1']);
        expect(ids(await store.collection(shadow).find())).toEqual(['p2']);
        expect(await store.getCheckpoint(`${name}_live`)).toBe(20n);
      });

      it('never loses a live commit that races the swap: the swap refuses, or the commit lands in the swapped-in collection', async () => {
        const shadow = `${name}__rebuild`;
        const processor = `${name}_live`;
        const position = 100n;
        await store.commit([{ op: 'upsert', collection: name, doc: people[0], version: 1 }, { op: 'checkpoint', processor, position: 50n }]);
        // Indexes to copy: an adapter that copies them during the swap gives the live commits time to land.
        await store.collection(name).ensureIndexes([
          { fields: [['email', 1]], unique: true },
          { fields: [['lastName', 1], ['firstName', 1]] },
          { fields: [['accountId', 1], ['age', -1]] },
          { fields: [['type', 1]] },
        ]);
        await store.commit(people.map((doc, i) => ({ op: 'upsert', collection: shadow, doc, version: i + 1 })));
        const liveCommit = (at: bigint) =>
          store.commit([
            { op: 'upsert', collection: name, doc: { id: `live${at}`, accountId: 'live', email: `live${at}@example.com` }, version: at },
            { op: 'checkpoint', processor, position: at },
          ]);
        // A live processor keeps committing past the rebuild's position while the swap runs. A refused
        // commit is allowed (the processor replays from its checkpoint); a lost one is not.
        let swapping = true;
        const committed: bigint[] = [];
        const swap = store.swapCollections([{ live: name, replacement: shadow }], { processors: [processor], position }).finally(() => (swapping = false));
        const processing = (async () => {
          for (let at = position + 1n; swapping && at < position + 1000n; at++) {
            await liveCommit(at).then(
              () => committed.push(at),
              () => undefined,
            );
          }
        })();
        const outcome = await swap.then(
          () => 'swapped',
          (error: unknown) => error,
        );
        await processing;
        if (outcome !== 'swapped') expect(outcome).toBeInstanceOf(CheckpointAheadError);
        // The live processor goes on after the swap, and every event up to its checkpoint is applied.
        await liveCommit(position + 1000n);
        committed.push(position + 1000n);
        const checkpoint = await store.getCheckpoint(processor);
        expect(checkpoint).toBe(position + 1000n);
        const lost: string[] = [];
        for (const at of committed) {
          if ((await store.collection(name).get(`live${at}`)) === null) lost.push(`live${at}`);
        }
        expect(lost).toEqual([]);
      });
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
