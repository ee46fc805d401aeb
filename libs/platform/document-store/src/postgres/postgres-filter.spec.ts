import { ParameterList, compileFilter, compileSort, indexBody, btreeDefinition, textDefinition } from './postgres-filter';

const dialect = { caseFolding: 'pg_catalog."und-x-icu"' };

describe('PostgreSQL filter translation', () => {
  it('binds every value as a parameter, never in the SQL text', () => {
    const params = new ParameterList();
    const hostile = "x'); DROP TABLE rm_clients; --";
    const sql = compileFilter(
      { name: hostile, age: { $gt: 3, $in: [1, hostile, null, true] }, $or: [{ email: { $contains: hostile } }, { 'address.city': { $ne: hostile } }] },
      params,
      dialect,
    );
    expect(sql).not.toContain('DROP TABLE');
    expect(params.values.filter((value) => value === hostile)).toHaveLength(4);
  });

  it('refuses field paths that are not plain names', () => {
    for (const field of ["a') OR 1=1 --", '$where', '_id', 'a..b', 'a.', 'a-b']) {
      expect(() => compileFilter({ [field]: 1 }, new ParameterList(), dialect)).toThrow('not a valid field path');
      expect(() => compileSort([[field, 1]])).toThrow('not a valid field path');
    }
    expect(() => compileFilter({ a: { $regex: 'x' } as never }, new ParameterList(), dialect)).toThrow('unsupported filter operator $regex');
  });

  it('matches nothing for an empty $or or $in, everything for an empty $and or $nin', () => {
    expect(compileFilter({ $or: [] }, new ParameterList(), dialect)).toBe('FALSE');
    expect(compileFilter({ $and: [] }, new ParameterList(), dialect)).toBe('TRUE');
    expect(compileFilter({ a: { $in: [] } }, new ParameterList(), dialect)).toBe('(FALSE)');
    expect(compileFilter({ a: { $nin: [] } }, new ParameterList(), dialect)).toBe('(NOT FALSE)');
  });

  it('ends every sort with id, and builds indexes from the same key expressions as the queries', () => {
    expect(compileSort(undefined)).toBe('id ASC');
    expect(compileSort([['id', -1]])).toBe('id DESC');
    const sort = compileSort([['lastName', 1]]);
    const index = indexBody(btreeDefinition({ fields: [['lastName', 1]] }), dialect, 'public.gin_trgm_ops');
    expect(index).toBe(`(${sort})`);
    const text = indexBody(textDefinition(['name']), dialect, 'public.gin_trgm_ops');
    expect(text).toBe(`USING gin (lower((doc ->> 'name') COLLATE pg_catalog."und-x-icu") public.gin_trgm_ops)`);
    expect(compileFilter({ name: { $contains: 'ada' } }, new ParameterList(), dialect)).toContain(`lower((doc ->> 'name') COLLATE pg_catalog."und-x-icu") LIKE`);
  });
});
