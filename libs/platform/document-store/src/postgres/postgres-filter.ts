import type { FieldCondition, Filter, IndexSpec, Scalar, Sort } from '../document-store.port';

/**
 * Translates the port's filter, sort and index language into SQL over a `doc jsonb` column, with
 * the meaning the SQLite adapter (`../sqlite/sql-filter.ts`) gives it: values compare only with
 * values of the same JSON type (true is not 1, "5" is not 5), a missing field behaves like null,
 * `$ne` and `$nin` match missing fields, comparisons never match null, strings compare byte-wise
 * (COLLATE "C", whatever the database's collation) and `$contains` is a case-insensitive literal
 * substring. An array is a value of its own type (rank 4 below) that no operator looks into, and a
 * path through an array is missing (`#>` gives NULL): the port's rule for arrays (`FieldCondition`).
 * Every value is a bound parameter; field paths are checked against a strict pattern before they
 * reach the SQL text.
 *
 * One field is seen through three key expressions, so that a single btree index serves equality,
 * ranges and sorts of any JSON type:
 *   rank: 0 null or missing, 1 number, 2 string, 3 object, 4 array, 5 false, 6 true
 *   num:  the number, 0 for other types
 *   text: the string (or the JSON text of an object or array) COLLATE "C", '' for other types
 * The fillers are never NULL, so an equality pins all three keys with `=`: the planner then knows
 * them constant and can read the next field's order straight from a composite index.
 * Sorting by (rank, num, text) puts null and missing first when ascending, then numbers in numeric
 * order, then strings in byte order: what SQLite and MongoDB agree on. Beyond that (booleans,
 * objects, arrays) it follows MongoDB's type order; SQLite would mix booleans with numbers.
 */
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

export interface SqlDialect {
  /** The collation `lower()` folds case with (a Unicode one: ICU when the server has it). */
  readonly caseFolding: string;
}

interface FieldSql {
  readonly isId: boolean;
  /** The jsonb value, SQL NULL when the field is missing. */
  readonly json: string;
  /** Its text (a string without quotes), SQL NULL when missing. */
  readonly text: string;
}

function resolveField(field: string): FieldSql {
  if (field === 'id') return { isId: true, json: 'to_jsonb(id)', text: 'id' };
  if (!FIELD_PATH.test(field)) throw new Error(`"${field}" is not a valid field path`);
  const segments = field.split('.');
  // The path is checked above (letters, digits and _ only), so it can be a literal: an index
  // expression and the query that should use it must have the same text.
  if (segments.length === 1) return { isId: false, json: `(doc -> '${field}')`, text: `(doc ->> '${field}')` };
  const path = `'{${segments.join(',')}}'`;
  return { isId: false, json: `(doc #> ${path})`, text: `(doc #>> ${path})` };
}

/** Checks a field path (throws on anything that could escape into SQL). */
export function assertFieldPath(field: string): void {
  resolveField(field);
}

/** The jsonb path of a field for `jsonb_set`, as a text array. */
export function fieldPathArray(field: string): string[] {
  assertFieldPath(field);
  return field.split('.');
}

function rank(field: FieldSql): string {
  return `(CASE jsonb_typeof(${field.json}) WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'boolean' THEN (CASE WHEN ${field.json} = 'true'::jsonb THEN 6 ELSE 5 END) ELSE 0 END)`;
}

function num(field: FieldSql): string {
  return `(CASE WHEN jsonb_typeof(${field.json}) = 'number' THEN (${field.json})::numeric ELSE 0 END)`;
}

function text(field: FieldSql): string {
  return `((CASE WHEN jsonb_typeof(${field.json}) IN ('string', 'object', 'array') THEN ${field.text} ELSE '' END) COLLATE "C")`;
}

/** The key expressions of a field, in sort order. */
function sortKeys(field: FieldSql): string[] {
  return field.isId ? ['id'] : [rank(field), num(field), text(field)];
}

export class ParameterList {
  readonly values: unknown[] = [];
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

export function compileFilter(filter: Filter | undefined, params: ParameterList, dialect: SqlDialect): string {
  if (!filter) return 'TRUE';
  const clauses: string[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (condition === undefined) continue;
    if (key === '$or' || key === '$and') {
      if (!Array.isArray(condition)) throw new Error(`${key} takes an array of filters`);
      const parts = (condition as Filter[]).map((sub) => `(${compileFilter(sub, params, dialect)})`);
      if (parts.length === 0) clauses.push(key === '$or' ? 'FALSE' : 'TRUE');
      else clauses.push(`(${parts.join(key === '$or' ? ' OR ' : ' AND ')})`);
      continue;
    }
    clauses.push(compileCondition(resolveField(key), condition as FieldCondition, params, dialect));
  }
  return clauses.length ? clauses.join(' AND ') : 'TRUE';
}

function compileCondition(field: FieldSql, condition: FieldCondition, params: ParameterList, dialect: SqlDialect): string {
  if (condition === null || typeof condition !== 'object') return equals(field, condition, params);
  if (Array.isArray(condition)) throw new Error('unsupported filter condition: an array');

  const parts: string[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    switch (operator) {
      case '$eq':
        parts.push(equals(field, operand as Scalar, params));
        break;
      case '$ne':
        parts.push(`NOT ${equals(field, operand as Scalar, params)}`);
        break;
      case '$in':
      case '$nin': {
        if (!Array.isArray(operand)) throw new Error(`${operator} takes an array`);
        const values = operand as Scalar[];
        const anyOf = values.length ? `(${values.map((value) => equals(field, value, params)).join(' OR ')})` : 'FALSE';
        parts.push(operator === '$in' ? anyOf : `NOT ${anyOf}`);
        break;
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const sqlOperator = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[operator];
        parts.push(compare(field, sqlOperator, operand as Scalar, params));
        break;
      }
      case '$contains':
        parts.push(contains(field, String(operand), params, dialect));
        break;
      case '$exists':
        if (field.isId) parts.push(operand ? 'TRUE' : 'FALSE');
        else parts.push(operand ? `(${field.json} IS NOT NULL)` : `(${field.json} IS NULL)`);
        break;
      default:
        throw new Error(`unsupported filter operator ${operator}`);
    }
  }
  return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
}

/** Never NULL, so NOT of it is the exact complement. Each form pins all three keys (see above). */
function equals(field: FieldSql, value: Scalar, params: ParameterList): string {
  if (field.isId) return typeof value === 'string' ? `(id = ${params.add(value)})` : 'FALSE';
  if (value === null) return `(${rank(field)} = 0 AND ${num(field)} = 0 AND ${text(field)} = '')`;
  if (typeof value === 'boolean') return `(${rank(field)} = ${value ? 6 : 5} AND ${num(field)} = 0 AND ${text(field)} = '')`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`unsupported filter value ${value}: only finite numbers`);
    return `(${rank(field)} = 1 AND ${num(field)} = ${params.add(String(value), 'numeric')} AND ${text(field)} = '')`;
  }
  if (typeof value === 'string') return `(${rank(field)} = 2 AND ${num(field)} = 0 AND ${text(field)} = ${params.add(value, 'text')})`;
  throw new Error(`unsupported filter value ${String(value)}: only strings, numbers, booleans and null`);
}

function compare(field: FieldSql, operator: string, value: Scalar, params: ParameterList): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`unsupported filter value ${value}: only finite numbers`);
    if (field.isId) return 'FALSE';
    return `(${rank(field)} = 1 AND ${num(field)} ${operator} ${params.add(String(value), 'numeric')})`;
  }
  if (typeof value === 'string') {
    if (field.isId) return `(id ${operator} ${params.add(value, 'text')})`;
    return `(${rank(field)} = 2 AND ${num(field)} = 0 AND ${text(field)} ${operator} ${params.add(value, 'text')})`;
  }
  throw new Error(`unsupported range value ${String(value)}: only strings and numbers`);
}

/** The expression a text index holds for a field, and a `$contains` on it matches against. */
export function foldedText(field: string, dialect: SqlDialect): string {
  const resolved = resolveField(field);
  return `lower(${resolved.text} COLLATE ${dialect.caseFolding})`;
}

/**
 * A literal, case-insensitive substring: LIKE with the term's own `%`, `_` and `\` escaped, so a
 * pg_trgm index over the same folded expression can serve it. The pattern is computed in SQL from
 * the bound term (constant-folded when the statement is planned with its parameters), so the term
 * is folded by the same `lower()` as the indexed text.
 */
function contains(field: FieldSql, term: string, params: ParameterList, dialect: SqlDialect): string {
  const folded = `lower(${field.text} COLLATE ${dialect.caseFolding})`;
  const pattern = `'%' || replace(replace(replace(lower(${params.add(term, 'text')} COLLATE ${dialect.caseFolding}), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
  const isString = field.isId ? 'TRUE' : `jsonb_typeof(${field.json}) = 'string'`;
  return `(${isString} AND ${folded} LIKE ${pattern})`;
}

/** Always ends with `id`, so that pages are stable when sort keys tie. */
export function compileSort(sort: Sort | undefined): string {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const [field, direction] of sort ?? []) {
    if (seen.has(field)) continue;
    seen.add(field);
    for (const key of sortKeys(resolveField(field))) keys.push(`${key} ${direction === -1 ? 'DESC' : 'ASC'}`);
  }
  if (!seen.has('id')) keys.push('id ASC');
  return keys.join(', ');
}

/** What an index is made of, stored as its comment so a swap can build it again on another table. */
export type IndexDefinition = { kind: 'btree'; fields: Array<[string, 1 | -1]>; unique: boolean } | { kind: 'text'; fields: string[] };

export function btreeDefinition(index: IndexSpec): IndexDefinition {
  if (index.fields.length === 0) throw new Error('an index needs at least one field');
  const fields = index.fields.map(([field, direction]): [string, 1 | -1] => {
    assertFieldPath(field);
    return [field, direction === -1 ? -1 : 1];
  });
  return { kind: 'btree', fields, unique: index.unique === true };
}

export function textDefinition(fields: readonly string[]): IndexDefinition {
  if (fields.length === 0) throw new Error('a text index needs at least one field');
  fields.forEach(assertFieldPath);
  return { kind: 'text', fields: [...fields] };
}

/**
 * The body of CREATE INDEX after `ON <table>`:
 * - a plain index holds the sort keys of its fields, then `id` (every sort ends with it):
 *   equality prefixes and sorted pages are served from it. It covers tombstones too: the planner
 *   ignores the statistics of a partial index's expressions, and without them it misjudges
 *   every filter on the keys (by orders of magnitude);
 * - a unique index holds the jsonb values (so equality is type-aware and exact) of live rows whose
 *   indexed fields are all present and not null: a tombstone never blocks a new document, and
 *   like SQLite's NULLs, documents without the field never collide;
 * - a text index is a pg_trgm GIN index over the folded text of each field, which serves a
 *   `$contains` (LIKE '%term%') of 3 characters or more on any of them.
 */
export function indexBody(definition: IndexDefinition, dialect: SqlDialect, trigramOperatorClass: string): string {
  if (definition.kind === 'text') {
    return `USING gin (${definition.fields.map((field) => `${foldedText(field, dialect)} ${trigramOperatorClass}`).join(', ')})`;
  }
  if (definition.unique) {
    const resolved = definition.fields.map(([field]) => resolveField(field));
    const present = resolved.filter((field) => !field.isId).map((field) => `jsonb_typeof(${field.json}) <> 'null'`);
    const columns = resolved.map((field) => (field.isId ? 'id' : `(${field.json})`));
    return `(${columns.join(', ')}) WHERE NOT deleted${present.map((condition) => ` AND ${condition}`).join('')}`;
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const [field, direction] of definition.fields) {
    if (seen.has(field)) continue;
    seen.add(field);
    for (const key of sortKeys(resolveField(field))) columns.push(`${key} ${direction === -1 ? 'DESC' : 'ASC'}`);
  }
  if (!seen.has('id')) columns.push('id ASC');
  return `(${columns.join(', ')})`;
}
