import type { Document as BsonDocument } from 'mongodb';
import { arrayFieldCases, arrayFieldDocs } from '../testing/document-store.contract';
import { MATCH_NOTHING, escapeRegExp, liveFilter, mongoField, translateFilter, translateIndex, translateSort } from './mongo-filter';

/**
 * MongoDB's matching rules for the operators the translation emits, as its manual states them,
 * so that the contract's array cases are checked here, where no server runs: a dotted path reaches
 * into the objects of an array; a condition matches when the value or, for an array, any element
 * satisfies it; each operator of a field is judged on its own; `$type: 'array'` matches an array;
 * null matches null and missing; values compare only with values of the same type.
 */
function mongoMatches(document: Record<string, unknown>, query: BsonDocument): boolean {
  return Object.entries(query).every(([key, condition]) => {
    if (key === '$or') return (condition as BsonDocument[]).some((branch) => mongoMatches(document, branch));
    if (key === '$and') return (condition as BsonDocument[]).every((branch) => mongoMatches(document, branch));
    const values = reach(document, key.split('.'));
    const operators = condition !== null && typeof condition === 'object' ? (condition as BsonDocument) : { $eq: condition };
    return fieldMatches(values, operators);
  });
}

/** The values a dotted path reaches: several through an array of objects, undefined when missing. */
function reach(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return [value];
  if (Array.isArray(value)) {
    const objects = value.filter((element) => element !== null && typeof element === 'object' && !Array.isArray(element));
    return objects.flatMap((element) => reach(element, path));
  }
  if (value !== null && typeof value === 'object') return reach((value as Record<string, unknown>)[path[0]], path.slice(1));
  return [undefined];
}

function fieldMatches(values: unknown[], operators: BsonDocument): boolean {
  const anyValue = (test: (value: unknown) => boolean) => values.some((value) => test(value) || (Array.isArray(value) && value.some(test)));
  const equals = (expected: unknown) => (value: unknown) => (expected === null ? value === null || value === undefined : value === expected);
  const sameType = (a: unknown, b: unknown) => typeof a === typeof b && (typeof a === 'number' || typeof a === 'string');
  return Object.entries(operators).every(([operator, operand]) => {
    switch (operator) {
      case '$eq':
        return anyValue(equals(operand));
      case '$ne':
        return !anyValue(equals(operand));
      case '$in':
        return (operand as unknown[]).some((expected) => anyValue(equals(expected)));
      case '$nin':
        return !(operand as unknown[]).some((expected) => anyValue(equals(expected)));
      case '$gt':
        return anyValue((value) => sameType(value, operand) && (value as number) > (operand as number));
      case '$gte':
        return anyValue((value) => sameType(value, operand) && (value as number) >= (operand as number));
      case '$lt':
        return anyValue((value) => sameType(value, operand) && (value as number) < (operand as number));
      case '$lte':
        return anyValue((value) => sameType(value, operand) && (value as number) <= (operand as number));
      case '$regex':
        return anyValue((value) => typeof value === 'string' && new RegExp(operand as string, operators.$options as string).test(value));
      case '$options':
        return true;
      case '$exists':
        return values.some((value) => value !== undefined) === operand;
      case '$type':
        if (operand !== 'array') throw new Error(`no rule for $type ${String(operand)}`);
        return values.some(Array.isArray);
      case '$not':
        return !fieldMatches(values, operand as BsonDocument);
      default:
        throw new Error(`no rule for ${operator}`);
    }
  });
}


describe('MongoDB filter translation', () => {
  describe('field paths', () => {
    it('maps id to _id and keeps plain and dotted paths', () => {
      expect(mongoField('id')).toBe('_id');
      expect(mongoField('lastName')).toBe('lastName');
      expect(mongoField('address.city')).toBe('address.city');
      expect(mongoField('a1.b_2')).toBe('a1.b_2');
    });

    it.each(['_id', '_v', '_deleted', '$where', 'a.$b', 'a._b', 'a..b', '.a', 'a.', '1a', 'a.0', '', 'a b', 'é'])(
      'rejects %j',
      (field) => {
        expect(() => mongoField(field)).toThrow(/is not a valid field path/);
      },
    );
  });

  describe('filters', () => {
    /** The form a condition on a field that is not an array takes: MongoDB would match elements. */
    const notArray = (operators: Record<string, unknown>) => ({ ...operators, $not: { $type: 'array' } });
    /** A complement ($ne, $nin) matches an array value whatever its elements. */
    const orArray = (field: string, operators: Record<string, unknown>) => ({ $or: [{ [field]: { $type: 'array' } }, { [field]: operators }] });

    it('matches everything without a filter', () => {
      expect(translateFilter(undefined)).toEqual({});
      expect(translateFilter({})).toEqual({});
      expect(translateFilter({ a: undefined })).toEqual({});
    });

    it('translates equality on scalars, null, nested fields and id', () => {
      expect(translateFilter({ accountId: 'a', type: 'full_access' })).toEqual({ accountId: notArray({ $eq: 'a' }), type: notArray({ $eq: 'full_access' }) });
      expect(translateFilter({ age: null })).toEqual({ age: notArray({ $eq: null }) });
      expect(translateFilter({ 'address.city': 'London' })).toEqual({ address: { $not: { $type: 'array' } }, 'address.city': notArray({ $eq: 'London' }) });
      expect(translateFilter({ vip: true, n: 0 })).toEqual({ vip: notArray({ $eq: true }), n: notArray({ $eq: 0 }) });
      expect(translateFilter({ id: 'p2' })).toEqual({ _id: 'p2' });
    });

    it('maps the comparison and membership operators, never matching elements of an array', () => {
      expect(translateFilter({ vip: { $ne: true } })).toEqual(orArray('vip', { $ne: true }));
      expect(translateFilter({ vip: { $ne: null } })).toEqual(orArray('vip', { $ne: null }));
      expect(translateFilter({ a: { $eq: 'x' }, b: { $eq: null } })).toEqual({ a: notArray({ $eq: 'x' }), b: notArray({ $eq: null }) });
      expect(translateFilter({ type: { $in: ['offline', 'full_access_one_way'] } })).toEqual({
        type: notArray({ $in: ['offline', 'full_access_one_way'] }),
      });
      expect(translateFilter({ type: { $nin: ['full_access'] } })).toEqual(orArray('type', { $nin: ['full_access'] }));
      expect(translateFilter({ age: { $in: [null, 20] } })).toEqual({ age: notArray({ $in: [null, 20] }) });
      expect(translateFilter({ type: { $in: [] } })).toEqual({ type: notArray({ $in: [] }) });
      expect(translateFilter({ age: { $gte: 36, $lt: 62 } })).toEqual({ age: notArray({ $gte: 36, $lt: 62 }) });
      expect(translateFilter({ lastName: { $gt: 'T' }, age: { $lte: 36 } })).toEqual({ lastName: notArray({ $gt: 'T' }), age: notArray({ $lte: 36 }) });
      expect(translateFilter({ vip: { $exists: true } })).toEqual({ vip: { $exists: true } });
      expect(translateFilter({ vip: { $exists: false } })).toEqual({ vip: { $exists: false } });
      expect(translateFilter({ id: { $in: ['p1', 'p2'] } })).toEqual({ _id: { $in: ['p1', 'p2'] } });
      expect(translateFilter({ id: { $ne: 'p1', $exists: true } })).toEqual({ _id: { $ne: 'p1', $exists: true } });
    });

    it('keeps positive operators, $exists and complements of one field apart', () => {
      expect(translateFilter({ age: { $gt: 1, $exists: true } })).toEqual({ age: notArray({ $gt: 1, $exists: true }) });
      expect(translateFilter({ tags: { $exists: true, $ne: 'vip' } })).toEqual({ tags: { $exists: true }, ...orArray('tags', { $ne: 'vip' }) });
      expect(translateFilter({ nums: { $lt: 10, $ne: 3, $nin: [4] } })).toEqual({ nums: notArray({ $lt: 10 }), ...orArray('nums', { $ne: 3, $nin: [4] }) });
      // Two fields with complements cannot share one $or key.
      expect(translateFilter({ a: { $ne: 1 }, b: { $nin: [2] } })).toEqual({ $and: [orArray('a', { $ne: 1 }), orArray('b', { $nin: [2] })] });
    });

    it('treats a dotted path through an array as a missing field', () => {
      // Conditions that a missing field fails: every array on the way rules the document out.
      expect(translateFilter({ 'a.b.c': { $exists: true } })).toEqual({
        a: { $not: { $type: 'array' } },
        'a.b': { $not: { $type: 'array' } },
        'a.b.c': { $exists: true },
      });
      expect(translateFilter({ 'items.name': { $nin: ['a', null] } })).toEqual({ items: { $not: { $type: 'array' } }, ...orArray('items.name', { $nin: ['a', null] }) });
      // Conditions that a missing field passes: any array on the way lets the document in.
      expect(translateFilter({ 'items.name': null })).toEqual({ $or: [{ items: { $type: 'array' } }, { 'items.name': notArray({ $eq: null }) }] });
      expect(translateFilter({ 'items.name': { $ne: 'a' } })).toEqual({ $or: [{ items: { $type: 'array' } }, orArray('items.name', { $ne: 'a' })] });
      expect(translateFilter({ 'a.b.c': { $exists: false, $in: [null] } })).toEqual({
        $or: [{ a: { $type: 'array' } }, { 'a.b': { $type: 'array' } }, { 'a.b.c': notArray({ $in: [null], $exists: false }) }],
      });
      // One operator that a missing field fails is enough to rule out the arrays on the way.
      expect(translateFilter({ 'items.name': { $ne: 'a', $exists: true } })).toEqual({
        items: { $not: { $type: 'array' } },
        'items.name': { $exists: true },
        ...orArray('items.name', { $ne: 'a' }),
      });
    });

    it('builds a fresh query each time', () => {
      const first = translateFilter({ a: 1, b: { $ne: 2 } });
      (first.a as { $not: { $type: string } }).$not.$type = 'changed';
      (first.$or as Array<Record<string, { $type: string }>>)[0].b.$type = 'changed';
      expect(translateFilter({ a: 1, b: { $ne: 2 } })).toEqual({ a: notArray({ $eq: 1 }), ...orArray('b', { $ne: 2 }) });
    });

    it('copies $in and $nin lists instead of sharing them', () => {
      const values = ['a'];
      const translated = translateFilter({ type: { $in: values } });
      values.push('b');
      expect(translated).toEqual({ type: notArray({ $in: ['a'] }) });
    });

    it('skips undefined operands and drops a condition without operators', () => {
      expect(translateFilter({ age: { $gt: 1, $lt: undefined } })).toEqual({ age: notArray({ $gt: 1 }) });
      expect(translateFilter({ age: {}, type: 'x' })).toEqual({ type: notArray({ $eq: 'x' }) });
      expect(translateFilter({ age: { $gt: undefined } })).toEqual({});
      expect(translateFilter({ 'a.b': {} })).toEqual({});
    });

    it('translates $contains into an escaped, case-insensitive regular expression', () => {
      expect(translateFilter({ email: { $contains: 'EXAMPLE' } })).toEqual({ email: notArray({ $regex: 'EXAMPLE', $options: 'i' }) });
      expect(translateFilter({ firstName: { $contains: 'a.*' } })).toEqual({ firstName: notArray({ $regex: 'a\\.\\*', $options: 'i' }) });
      expect(translateFilter({ email: { $contains: 'x', $ne: null } })).toEqual({ email: notArray({ $regex: 'x', $options: 'i' }), ...orArray('email', { $ne: null }) });
    });

    it('translates $or and $and recursively', () => {
      const search = 'ad';
      const filter = { accountId: 'a', $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: search } })) };
      expect(translateFilter(filter)).toEqual({
        accountId: notArray({ $eq: 'a' }),
        $or: [
          { firstName: notArray({ $regex: 'ad', $options: 'i' }) },
          { lastName: notArray({ $regex: 'ad', $options: 'i' }) },
          { email: notArray({ $regex: 'ad', $options: 'i' }) },
        ],
      });
      expect(translateFilter({ $and: [{ accountId: 'a' }, { age: { $gt: 40 } }] })).toEqual({
        $and: [{ accountId: notArray({ $eq: 'a' }) }, { age: notArray({ $gt: 40 }) }],
      });
      expect(translateFilter({ $or: [{ id: 'x' }, { $and: [{ a: 1 }, { $or: [{ b: null }, { c: { $exists: false } }] }] }] })).toEqual({
        $or: [{ _id: 'x' }, { $and: [{ a: notArray({ $eq: 1 }) }, { $or: [{ b: notArray({ $eq: null }) }, { c: { $exists: false } }] }] }],
      });
    });

    it('never sends MongoDB an empty $or or $and', () => {
      // An empty $or matches nothing; an empty $and matches everything (as in the SQLite adapter).
      expect(translateFilter({ $or: [] })).toEqual(MATCH_NOTHING);
      expect(translateFilter({ $and: [] })).toEqual({});
      expect(translateFilter({ $and: [{}, {}] })).toEqual({});
      expect(translateFilter({ a: 1, $and: [] })).toEqual({ a: notArray({ $eq: 1 }) });
      expect(translateFilter({ a: 1, $or: [] })).toEqual({ a: notArray({ $eq: 1 }), ...MATCH_NOTHING });
      // A branch that matches everything makes the whole $or match everything.
      expect(translateFilter({ a: 1, $or: [{ b: 2 }, {}] })).toEqual({ a: notArray({ $eq: 1 }) });
      // One branch needs no $or or $and around it.
      expect(translateFilter({ $or: [{ b: 2 }] })).toEqual({ b: notArray({ $eq: 2 }) });
      expect(translateFilter({ $and: [{ b: 2 }, {}] })).toEqual({ b: notArray({ $eq: 2 }) });
      expect(translateFilter({ $or: [{ $or: [] }] })).toEqual(MATCH_NOTHING);
    });

    it('uses $and when two clauses would use the same key', () => {
      expect(translateFilter({ id: 'x', $or: [] })).toEqual({ $and: [{ _id: 'x' }, MATCH_NOTHING] });
      expect(translateFilter({ b: 1, $or: [{ b: 2 }] })).toEqual({ $and: [{ b: notArray({ $eq: 1 }) }, { b: notArray({ $eq: 2 }) }] });
    });

    it('rejects reserved or invalid fields, unknown operators and non-scalar values', () => {
      expect(() => translateFilter({ _deleted: true })).toThrow(/not a valid field path/);
      expect(() => translateFilter({ _id: 'x' })).toThrow(/not a valid field path/);
      expect(() => translateFilter({ $where: 'sleep(1000)' } as never)).toThrow(/not a valid field path/);
      expect(() => translateFilter({ $or: [{ 'a.$b': 1 }] })).toThrow(/not a valid field path/);
      expect(() => translateFilter({ a: { $regex: '.*' } } as never)).toThrow(/unsupported filter operator \$regex/);
      expect(() => translateFilter({ a: { b: 1 } } as never)).toThrow(/unsupported filter operator b/);
      expect(() => translateFilter({ a: ['x'] } as never)).toThrow(/unsupported filter condition/);
      expect(() => translateFilter({ a: { $eq: { $gt: '' } } } as never)).toThrow(/unsupported filter value/);
      expect(() => translateFilter({ a: { $in: [{ $gt: '' }] } } as never)).toThrow(/unsupported filter value/);
      expect(() => translateFilter({ id: { $gt: '' } } as never)).not.toThrow();
      expect(() => translateFilter({ id: { a: 1 } } as never)).toThrow(/unsupported filter operator a/);
      expect(() => translateFilter({ a: { $in: 'x' } } as never)).toThrow(/\$in takes an array/);
      expect(() => translateFilter({ 'a.b': { $nin: 'x' } } as never)).toThrow(/\$nin takes an array/);
      expect(() => translateFilter({ $or: {} } as never)).toThrow(/\$or takes an array/);
    });

    it('always filters live documents', () => {
      expect(liveFilter(undefined)).toEqual({ _deleted: false });
      expect(liveFilter({ accountId: 'a' })).toEqual({ _deleted: false, accountId: notArray({ $eq: 'a' }) });
      expect(Object.keys(liveFilter({ accountId: 'a' }))[0]).toBe('_deleted');
    });
  });

  describe('array fields, judged by MongoDB\'s matching rules', () => {
    const matching = (query: BsonDocument) => arrayFieldDocs.filter((document) => mongoMatches(document, query)).map((document) => document.id);

    it('would match elements if the filter went to MongoDB as it is', () => {
      expect(matching({ tags: 'vip' })).toEqual(['r1', 'r2']);
      expect(matching({ tags: { $ne: 'vip' } })).toEqual(['r3', 'r4', 'r5']);
      expect(matching({ 'items.name': 'a' })).toEqual(['r1', 'r2']);
    });

    it.each(arrayFieldCases.map(([filter, ids]) => [JSON.stringify(filter), filter, ids]))('gives the contract\'s answer to %s', (_, filter, ids) => {
      expect(matching(translateFilter(filter))).toEqual(ids);
    });
  });

  describe('$contains escaping', () => {
    it('escapes every regular-expression metacharacter', () => {
      expect(escapeRegExp('\\^$.*+?()[]{}|/-')).toBe('\\\\\\^\\$\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\-');
      expect(escapeRegExp('plain text, émile@exemple.fr')).toBe('plain text, émile@exemple\\.fr');
      expect(escapeRegExp('a\0b')).toBe('a\\x00b');
      expect(escapeRegExp('')).toBe('');
    });

    const subjects = ['Ada', 'ada@example.com', 'alan@Example.org', 'Émile', 'a.*b', 'x(y)z', 'a[b]', 'c:\\dir', '$1.00^', 'a|b', 'q?', 'a{2}', 'a/b-c', 'n\0l'];
    const needles = ['EXAMPLE', 'émi', 'a.*', '(y)', '[b]', '\\d', '$1', '.00^', '|', '?', '{2}', '/b-', '\0', 'ad', ''];

    it('matches literally and case-insensitively, like the SQLite adapter', () => {
      for (const needle of needles) {
        const pattern = new RegExp(escapeRegExp(needle), 'i');
        for (const subject of subjects) {
          expect([needle, subject, pattern.test(subject)]).toEqual([needle, subject, subject.toLowerCase().includes(needle.toLowerCase())]);
        }
      }
    });
  });

  describe('sort', () => {
    it('sorts by _id by default and ends every sort with _id', () => {
      expect(translateSort(undefined)).toEqual({ _id: 1 });
      expect(translateSort([])).toEqual({ _id: 1 });
      const sort = translateSort([
        ['firstName', 1],
        ['lastName', -1],
      ]);
      expect(Object.entries(sort)).toEqual([
        ['firstName', 1],
        ['lastName', -1],
        ['_id', 1],
      ]);
    });

    it('keeps id where it was asked for', () => {
      expect(Object.entries(translateSort([['id', -1]]))).toEqual([['_id', -1]]);
      expect(
        Object.entries(
          translateSort([
            ['id', 1],
            ['age', -1],
          ]),
        ),
      ).toEqual([
        ['_id', 1],
        ['age', -1],
      ]);
    });

    it('keeps the first direction of a repeated field and accepts names of Object.prototype members', () => {
      expect(
        Object.entries(
          translateSort([
            ['a', -1],
            ['a', 1],
            ['constructor', 1],
            ['toString', -1],
          ]),
        ),
      ).toEqual([
        ['a', -1],
        ['constructor', 1],
        ['toString', -1],
        ['_id', 1],
      ]);
    });

    it('rejects invalid fields', () => {
      expect(() => translateSort([['_v', 1]])).toThrow(/not a valid field path/);
    });
  });

  describe('indexes', () => {
    it('prefixes a plain index with the live flag and ends it with _id', () => {
      const index = translateIndex({
        fields: [
          ['accountId', 1],
          ['lastName', 1],
        ],
      });
      expect(index).toEqual({ name: 'rm_accountId_1_lastName_1', key: { _deleted: 1, accountId: 1, lastName: 1, _id: 1 } });
      expect(Object.keys(index.key)).toEqual(['_deleted', 'accountId', 'lastName', '_id']);
      expect(translateIndex({ fields: [['age', -1], ['id', -1]] })).toEqual({ name: 'rm_age_-1__id_-1', key: { _deleted: 1, age: -1, _id: -1 } });
      expect(translateIndex({ fields: [['address.city', 1]] }).name).toBe('rm_address.city_1');
    });

    it('makes a unique index partial: live documents whose indexed fields are not null', () => {
      expect(translateIndex({ fields: [['email', 1]], unique: true })).toEqual({
        name: 'rm_email_1_unique',
        key: { email: 1 },
        unique: true,
        partialFilterExpression: { _deleted: false, email: { $type: ['string', 'number', 'bool', 'object', 'array'] } },
      });
      const compound = translateIndex({ fields: [['accountId', 1], ['id', 1]], unique: true });
      expect(Object.keys(compound.key)).toEqual(['accountId', '_id']);
      expect(compound.partialFilterExpression).toEqual({ _deleted: false, accountId: { $type: ['string', 'number', 'bool', 'object', 'array'] } });
    });

    it('names indexes deterministically', () => {
      const spec = { fields: [['email', 1]] as const, unique: true };
      expect(translateIndex(spec)).toEqual(translateIndex(spec));
      expect(translateIndex({ fields: [['email', 1]] }).name).not.toBe(translateIndex(spec).name);
    });

    it('rejects invalid indexes', () => {
      expect(() => translateIndex({ fields: [] })).toThrow(/at least one field/);
      expect(() => translateIndex({ fields: [['_deleted', 1]] })).toThrow(/not a valid field path/);
    });
  });
});
