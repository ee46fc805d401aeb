import { createRequire } from 'node:module';
import { BSON, MongoClient, MongoServerError, type Collection, type Db, type Document as BsonDocument, type IndexDescription } from 'mongodb';
import { FencedOffError, encodeVersion } from '../document-store.port';
import { fenceRefusal, fenceUpdate, isDuplicateKey, isIdIndex, isNamespaceExists, isNamespaceNotFound } from './mongo-errors';
import { translateIndex } from './mongo-filter';
import { indexCopies, indexCopy } from './mongo-index-copy';
import { MongoDocumentStore } from './mongo-document-store';
import { assertStorableKeys } from './mongo-keys';

/**
 * What the MongoDB adapter sends and how it reads what comes back, checked against the driver's own
 * code (its command builder, BSON serializer, error classes and `withTransaction`) without a server.
 * The same behaviour against a real server is in the contract suite (mongo-document-store.int.spec.ts).
 */

/** The driver's internal builder of the createIndexes command, the one `Collection.createIndexes` uses. */
interface CreateIndexesOperation {
  bsonOptions: BSON.SerializeOptions;
  buildCommand(connection: undefined, session: undefined): BsonDocument;
}
const driverRequire = createRequire(require.resolve('mongodb'));
const { CreateIndexesOperation } = driverRequire('./operations/indexes') as {
  CreateIndexesOperation: {
    fromIndexDescriptionArray(parent: Collection, collectionName: string, indexes: IndexDescription[], options: object): CreateIndexesOperation;
  };
};

describe('MongoDB adapter against the driver', () => {
  // Never connected: no operation here reaches a server.
  const client = new MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100');
  afterAll(() => client.close());

  describe('copying indexes to a rebuilt collection', () => {
    /** The createIndexes command as the driver would put it on the wire, read back. */
    function createIndexesOnTheWire(indexes: IndexDescription[]): BsonDocument {
      const collection = client.db('clientele').collection('people__rebuild');
      const operation = CreateIndexesOperation.fromIndexDescriptionArray(collection, collection.collectionName, indexes, {});
      // The connection serializes with the operation's BSON options: ignoreUndefined is off by default.
      expect(operation.bsonOptions.ignoreUndefined).toBe(false);
      return BSON.deserialize(BSON.serialize(operation.buildCommand(undefined, undefined), operation.bsonOptions));
    }

    /** Every null in the command: the server refuses null for any index option. */
    function nullOptions(command: BsonDocument): string[] {
      return (command.indexes as BsonDocument[]).flatMap((index) =>
        Object.entries(index)
          .filter(([, value]) => value === null)
          .map(([option]) => `${String(index.name)}.${option}`),
      );
    }

    // As listIndexes describes the indexes that translateIndex declares on the live collection.
    const listed = (spec: Parameters<typeof translateIndex>[0]): BsonDocument => ({ v: 2, ...translateIndex(spec) });
    const plain = listed({ fields: [['lastName', 1], ['firstName', -1]] });
    const unique = listed({ fields: [['email', 1]], unique: true });

    it('sends no null option for a plain index, and keeps the options of a unique one', () => {
      const command = createIndexesOnTheWire(indexCopies([{ v: 2, key: { _id: 1 }, name: '_id_' }, plain, unique]));
      expect(nullOptions(command)).toEqual([]);
      expect(command).toEqual({
        createIndexes: 'people__rebuild',
        indexes: [
          { name: plain.name, key: plain.key },
          { name: unique.name, key: unique.key, unique: true, partialFilterExpression: unique.partialFilterExpression },
        ],
      });
      // The key order of a compound index is its meaning.
      expect(Object.keys((command.indexes as BsonDocument[])[0].key as BsonDocument)).toEqual(['_deleted', 'lastName', 'firstName', '_id']);
    });

    it('would have sent null for the options a plain index lacks, had they been passed as undefined', () => {
      // What the adapter did before: every ops rebuild swap failed on the server.
      const { key, name, unique: isUnique, partialFilterExpression } = plain as { key: Record<string, 1 | -1>; name: string; unique?: true; partialFilterExpression?: BsonDocument };
      expect(nullOptions(createIndexesOnTheWire([{ key, name, unique: isUnique, partialFilterExpression }]))).toEqual([
        `${name}.unique`,
        `${name}.partialFilterExpression`,
      ]);
    });

    it('keeps the other options an index may have, drops the obsolete ones and refuses a description without key', () => {
      expect(indexCopy({ v: 1, key: { at: 1 }, name: 'ttl', expireAfterSeconds: 60, sparse: true, background: true, ns: 'db.c', hidden: null })).toEqual({
        key: { at: 1 },
        name: 'ttl',
        expireAfterSeconds: 60,
        sparse: true,
      });
      expect(() => indexCopy({ name: 'broken' })).toThrow(/cannot copy the index/);
    });
  });

  describe('fencing tokens', () => {
    const processor = 'people-projector';

    it('fences with an upsert filtered on _id alone, so that a stale token never meets a duplicate key', () => {
      const { filter, update, options } = fenceUpdate('fence:people-projector', processor, 7n);
      expect(filter).toEqual({ _id: 'fence:people-projector' });
      expect(options).toEqual({ upsert: true, returnDocument: 'before', projection: { _v: 1 } });
      expect(update).toEqual([
        {
          $replaceWith: {
            $cond: {
              if: { $lte: ['$_v', encodeVersion(7n)] },
              then: { $literal: { _id: 'fence:people-projector', processor, token: '7', _v: encodeVersion(7n), _deleted: false } },
              else: '$$ROOT',
            },
          },
        },
      ]);
    });

    it('is refused by a higher stored token only, and names the current one', () => {
      expect(fenceRefusal(processor, 7n, null)).toBeNull();
      expect(fenceRefusal(processor, 7n, { _id: 'f' })).toBeNull();
      expect(fenceRefusal(processor, 7n, { _id: 'f', _v: encodeVersion(7n) })).toBeNull();
      expect(fenceRefusal(processor, 7n, { _id: 'f', _v: encodeVersion(6n) })).toBeNull();
      const refusal = fenceRefusal(processor, 7n, { _id: 'f', _v: encodeVersion(2n ** 70n) });
      expect(refusal).toBeInstanceOf(FencedOffError);
      expect(refusal).toMatchObject({ processor, token: 7n, current: 2n ** 70n });
    });

    it("ends the driver's transaction at once with the refusal, where a NoSuchTransaction error would be retried", async () => {
      // The callback runs no command, so withTransaction needs no server: it starts, aborts and
      // commits an empty transaction locally. This is the driver's retry rule the fence relies on.
      const session = client.startSession();
      try {
        let attempts = 0;
        const refused = session.withTransaction(async () => {
          attempts++;
          throw fenceRefusal(processor, 7n, { _v: encodeVersion(9n) });
        });
        await expect(refused).rejects.toBeInstanceOf(FencedOffError);
        expect(attempts).toBe(1);

        // What the old fence let escape after its duplicate key had aborted the server's transaction.
        const noSuchTransaction = new MongoServerError({
          ok: 0,
          code: 251,
          codeName: 'NoSuchTransaction',
          errmsg: 'Transaction with { txnNumber: 2 } has been aborted.',
          errorLabels: ['TransientTransactionError'],
        });
        attempts = 0;
        await session.withTransaction(async () => {
          attempts++;
          if (attempts < 3) throw noSuchTransaction;
        });
        expect(attempts).toBe(3);
      } finally {
        await session.endSession();
      }
    });
  });

  describe('server errors', () => {
    const duplicateId = new MongoServerError({
      ok: 0,
      code: 11000,
      codeName: 'DuplicateKey',
      errmsg: 'E11000 duplicate key error collection: clientele.people index: _id_ dup key: { _id: "p1" }',
      keyPattern: { _id: 1 },
      keyValue: { _id: 'p1' },
    });
    const duplicateEmail = new MongoServerError({
      ok: 0,
      code: 11000,
      codeName: 'DuplicateKey',
      errmsg: 'E11000 duplicate key error collection: clientele.people index: rm_email_1_unique dup key: { email: "a@b.c" }',
      keyPattern: { email: 1 },
      keyValue: { email: 'a@b.c' },
    });
    const namespaceNotFound = new MongoServerError({ ok: 0, code: 26, codeName: 'NamespaceNotFound', errmsg: 'Source collection clientele.people__rebuild does not exist' });
    const namespaceExists = new MongoServerError({ ok: 0, code: 48, codeName: 'NamespaceExists', errmsg: 'Collection clientele.people__rebuild already exists.' });

    it('tells a duplicate id from a unique index of the read model', () => {
      expect(isDuplicateKey(duplicateId) && isIdIndex(duplicateId)).toBe(true);
      expect(isDuplicateKey(duplicateEmail) && !isIdIndex(duplicateEmail)).toBe(true);
      // Servers that send no keyPattern: the index name in the message.
      const bare = new MongoServerError({ ok: 0, code: 11000, errmsg: duplicateId.message });
      expect(isIdIndex(bare)).toBe(true);
      expect(isDuplicateKey(namespaceNotFound)).toBe(false);
      expect(isDuplicateKey(new Error('E11000'))).toBe(false);
    });

    it('recognises the rename of a shadow collection that was never created, and a collection that exists', () => {
      expect(isNamespaceNotFound(namespaceNotFound)).toBe(true);
      expect(isNamespaceNotFound(namespaceExists)).toBe(false);
      expect(isNamespaceNotFound(duplicateId)).toBe(false);
      expect(isNamespaceExists(namespaceExists)).toBe(true);
      expect(isNamespaceExists(namespaceNotFound)).toBe(false);
    });
  });

  describe('field names', () => {
    it('refuses keys starting with $ or holding a dot or NUL, at any depth, naming the field', () => {
      expect(() => assertStorableKeys({ $where: 1 })).toThrow('the field "$where" cannot be stored in MongoDB');
      expect(() => assertStorableKeys({ address: { 'no.dots': 1 } })).toThrow('"address.no.dots"');
      expect(() => assertStorableKeys({ tags: [{ ok: 1 }, { $set: 2 }] })).toThrow('"tags[1].$set"');
      expect(() => assertStorableKeys({ ['a\0b']: 1 })).toThrow('"a\\0b"');
      expect(() => assertStorableKeys({ b: { $c: 1 } }, 'a')).toThrow('"a.b.$c"');
    });

    it('fails a commit that writes such a field before sending anything', async () => {
      // The store over the never-connected client: a write that reached the driver would fail on
      // server selection instead, with another message.
      const Store = MongoDocumentStore as unknown as new (client: MongoClient, db: Db, transactional: boolean) => MongoDocumentStore;
      const store = new Store(client, client.db('clientele'), false);
      await expect(store.commit([{ op: 'upsert', collection: 'people', doc: { id: 'p1', $where: 'x' }, version: 1 }])).rejects.toThrow('"$where"');
      await expect(store.commit([{ op: 'insert', collection: 'people', doc: { id: 'p1', address: { 'a.b': 1 } } }])).rejects.toThrow('"address.a.b"');
      await expect(store.commit([{ op: 'patch', collection: 'people', id: 'p1', set: { address: { $city: 'x' } }, version: 2 }])).rejects.toThrow('"address.$city"');
    });

    it('accepts plain keys and any value, $ and dots included', () => {
      expect(() => assertStorableKeys({ firstName: 'Ann', price: '$5.00', nested: { list: [1, 'a.b', { ok_1: null }] }, email: 'a.b@c.d' })).not.toThrow();
      expect(() => assertStorableKeys('$x')).not.toThrow();
    });
  });
});
