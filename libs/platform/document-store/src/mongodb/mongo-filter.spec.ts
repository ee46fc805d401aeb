import { MATCH_NOTHING, escapeRegExp, liveFilter, mongoField, translateFilter, translateIndex, translateSort } from './mongo-filter';

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
    it('matches everything without a filter', () => {
      expect(translateFilter(undefined)).toEqual({});
      expect(translateFilter({})).toEqual({});
      expect(translateFilter({ a: undefined })).toEqual({});
    });

    it('translates equality on scalars, null, nested fields and id', () => {
      expect(translateFilter({ accountId: 'a', type: 'full_access' })).toEqual({ accountId: 'a', type: 'full_access' });
      expect(translateFilter({ age: null })).toEqual({ age: null });
      expect(translateFilter({ 'address.city': 'London' })).toEqual({ 'address.city': 'London' });
      expect(translateFilter({ vip: true, n: 0 })).toEqual({ vip: true, n: 0 });
      expect(translateFilter({ id: 'p2' })).toEqual({ _id: 'p2' });
    });

    it('maps the comparison and membership operators directly', () => {
      expect(translateFilter({ vip: { $ne: true } })).toEqual({ vip: { $ne: true } });
      expect(translateFilter({ vip: { $ne: null } })).toEqual({ vip: { $ne: null } });
      expect(translateFilter({ a: { $eq: 'x' }, b: { $eq: null } })).toEqual({ a: { $eq: 'x' }, b: { $eq: null } });
      expect(translateFilter({ type: { $in: ['offline', 'full_access_one_way'] } })).toEqual({
        type: { $in: ['offline', 'full_access_one_way'] },
      });
      expect(translateFilter({ type: { $nin: ['full_access'] } })).toEqual({ type: { $nin: ['full_access'] } });
      expect(translateFilter({ age: { $in: [null, 20] } })).toEqual({ age: { $in: [null, 20] } });
      expect(translateFilter({ type: { $in: [] } })).toEqual({ type: { $in: [] } });
      expect(translateFilter({ age: { $gte: 36, $lt: 62 } })).toEqual({ age: { $gte: 36, $lt: 62 } });
      expect(translateFilter({ lastName: { $gt: 'T' }, age: { $lte: 36 } })).toEqual({ lastName: { $gt: 'T' }, age: { $lte: 36 } });
      expect(translateFilter({ vip: { $exists: true } })).toEqual({ vip: { $exists: true } });
      expect(translateFilter({ vip: { $exists: false } })).toEqual({ vip: { $exists: false } });
      expect(translateFilter({ id: { $in: ['p1', 'p2'] } })).toEqual({ _id: { $in: ['p1', 'p2'] } });
    });

    it('copies $in and $nin lists instead of sharing them', () => {
      const values = ['a'];
      const translated = translateFilter({ type: { $in: values } });
      values.push('b');
      expect(translated).toEqual({ type: { $in: ['a'] } });
    });

    it('skips undefined operands and drops a condition without operators', () => {
      expect(translateFilter({ age: { $gt: 1, $lt: undefined } })).toEqual({ age: { $gt: 1 } });
      expect(translateFilter({ age: {}, type: 'x' })).toEqual({ type: 'x' });
      expect(translateFilter({ age: { $gt: undefined } })).toEqual({});
    });

    it('translates $contains into an escaped, case-insensitive regular expression', () => {
      expect(translateFilter({ email: { $contains: 'EXAMPLE' } })).toEqual({ email: { $regex: 'EXAMPLE', $options: 'i' } });
      expect(translateFilter({ firstName: { $contains: 'a.*' } })).toEqual({ firstName: { $regex: 'a\\.\\*', $options: 'i' } });
      expect(translateFilter({ email: { $contains: 'x', $ne: null } })).toEqual({ email: { $regex: 'x', $options: 'i', $ne: null } });
    });

    it('translates $or and $and recursively', () => {
      const search = 'ad';
      const filter = { accountId: 'a', $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: search } })) };
      expect(translateFilter(filter)).toEqual({
        accountId: 'a',
        $or: [
          { firstName: { $regex: 'ad', $options: 'i' } },
          { lastName: { $regex: 'ad', $options: 'i' } },
          { email: { $regex: 'ad', $options: 'i' } },
        ],
      });
      expect(translateFilter({ $and: [{ accountId: 'a' }, { age: { $gt: 40 } }] })).toEqual({
        $and: [{ accountId: 'a' }, { age: { $gt: 40 } }],
      });
      expect(translateFilter({ $or: [{ id: 'x' }, { $and: [{ a: 1 }, { $or: [{ b: null }, { c: { $exists: false } }] }] }] })).toEqual({
        $or: [{ _id: 'x' }, { $and: [{ a: 1 }, { $or: [{ b: null }, { c: { $exists: false } }] }] }],
      });
    });

    it('never sends MongoDB an empty $or or $and', () => {
      // An empty $or matches nothing; an empty $and matches everything (as in the SQLite adapter).
      expect(translateFilter({ $or: [] })).toEqual(MATCH_NOTHING);
      expect(translateFilter({ $and: [] })).toEqual({});
      expect(translateFilter({ $and: [{}, {}] })).toEqual({});
      expect(translateFilter({ a: 1, $and: [] })).toEqual({ a: 1 });
      expect(translateFilter({ a: 1, $or: [] })).toEqual({ a: 1, ...MATCH_NOTHING });
      // A branch that matches everything makes the whole $or match everything.
      expect(translateFilter({ a: 1, $or: [{ b: 2 }, {}] })).toEqual({ a: 1 });
      // One branch needs no $or or $and around it.
      expect(translateFilter({ $or: [{ b: 2 }] })).toEqual({ b: 2 });
      expect(translateFilter({ $and: [{ b: 2 }, {}] })).toEqual({ b: 2 });
      expect(translateFilter({ $or: [{ $or: [] }] })).toEqual(MATCH_NOTHING);
    });

    it('uses $and when two clauses would use the same key', () => {
      expect(translateFilter({ id: 'x', $or: [] })).toEqual({ $and: [{ _id: 'x' }, MATCH_NOTHING] });
      expect(translateFilter({ b: 1, $or: [{ b: 2 }] })).toEqual({ $and: [{ b: 1 }, { b: 2 }] });
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
      expect(() => translateFilter({ a: { $in: 'x' } } as never)).toThrow(/\$in takes an array/);
      expect(() => translateFilter({ $or: {} } as never)).toThrow(/\$or takes an array/);
    });

    it('always filters live documents', () => {
      expect(liveFilter(undefined)).toEqual({ _deleted: false });
      expect(liveFilter({ accountId: 'a' })).toEqual({ _deleted: false, accountId: 'a' });
      expect(Object.keys(liveFilter({ accountId: 'a' }))[0]).toBe('_deleted');
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
