import type { Document as BsonDocument } from 'mongodb';
import type { FieldCondition, Filter, IndexSpec, Scalar, Sort } from '../document-store.port';
import { containsNarrowing } from './mongo-text-index';

/**
 * Translates the port's filter, sort and index language into MongoDB's, with the same meaning as
 * the SQLite adapter (`../sqlite/sql-filter.ts`) for everything the contract suite checks. Pure
 * functions: unit tested without a server.
 *
 * Stored shape: `{ _id: doc.id, ...fieldsOfDoc, _v: encodedVersion | null, _deleted: boolean }`.
 * Every query of live documents adds `{ _deleted: false }`.
 */

/** The same field paths the SQLite adapter accepts: no `$` or `_` prefix in any segment. */
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** A condition that no stored document satisfies (every document has an `_id`). */
export const MATCH_NOTHING: Readonly<BsonDocument> = Object.freeze({ _id: { $exists: false } });

/** Maps a port field path to the stored one: `id` is `_id`; anything else must be a plain path. */
export function mongoField(field: string): string {
  if (field === 'id') return '_id';
  if (!FIELD_PATH.test(field)) throw new Error(`"${field}" is not a valid field path`);
  return field;
}

/**
 * Escapes every regular-expression metacharacter, so that `$regex` matches the text literally
 * (MongoDB uses PCRE in UTF mode). NUL is written as `\x00`: MongoDB refuses raw NUL in a pattern.
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&').replace(/\0/g, '\\x00');
}

const NO_TEXT_FIELDS: ReadonlySet<string> = new Set();

/**
 * The MongoDB filter for a port filter (without the `_deleted` flag, see `liveFilter`). A
 * `$contains` on one of `textFields` (the collection's text index) is narrowed by its trigrams
 * (`./mongo-text-index.ts`).
 */
export function translateFilter(filter: Filter | undefined, textFields: ReadonlySet<string> = NO_TEXT_FIELDS): BsonDocument {
  if (!filter) return {};
  const clauses: BsonDocument[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (condition === undefined) continue;
    if (key === '$or' || key === '$and') {
      if (!Array.isArray(condition)) throw new Error(`${key} takes an array of filters`);
      const clause = key === '$or' ? translateOr(condition as Filter[], textFields) : translateAnd(condition as Filter[], textFields);
      if (clause) clauses.push(clause);
      continue;
    }
    clauses.push(...translateCondition(mongoField(key), condition as FieldCondition, textFields));
  }
  return combine(clauses);
}

/** Live documents matching the filter. */
export function liveFilter(filter: Filter | undefined, textFields: ReadonlySet<string> = NO_TEXT_FIELDS): BsonDocument {
  return { _deleted: false, ...translateFilter(filter, textFields) };
}

function translateOr(filters: Filter[], textFields: ReadonlySet<string>): BsonDocument | null {
  // An empty $or matches nothing; a branch that matches everything makes the whole $or true.
  if (filters.length === 0) return { ...MATCH_NOTHING };
  const branches = filters.map((branch) => translateFilter(branch, textFields));
  if (branches.some(isEmpty)) return null;
  return branches.length === 1 ? branches[0] : { $or: branches };
}

function translateAnd(filters: Filter[], textFields: ReadonlySet<string>): BsonDocument | null {
  // An empty $and (or one whose branches all match everything) matches everything.
  const branches = filters.map((branch) => translateFilter(branch, textFields)).filter((branch) => !isEmpty(branch));
  if (branches.length === 0) return null;
  return branches.length === 1 ? branches[0] : { $and: branches };
}

/** What an operator gives when the field is missing (or behind an array). */
function matchesMissing(operator: string, operand: unknown): boolean {
  switch (operator) {
    case '$eq':
      return operand === null;
    case '$ne':
      return operand !== null;
    case '$in':
      return (operand as Scalar[]).includes(null);
    case '$nin':
      return !(operand as Scalar[]).includes(null);
    case '$exists':
      return !operand;
    default:
      return false;
  }
}

const isArray = (): BsonDocument => ({ $type: 'array' });

/**
 * The port gives a field whose value is an array no element-wise matching (see `FieldCondition`),
 * where MongoDB matches an array when any element matches, and reaches through arrays of objects
 * on dotted paths. So conditions that never match an array get `$not: { $type: 'array' }`;
 * complements ($ne, $nin), which always match one, get `$or: [{ $type: 'array' }, ...]`; and a
 * dotted path is guarded on each array on its way, where the port sees a missing field.
 * `$exists` already agrees on array values; `_id` is never an array.
 */
function translateCondition(field: string, condition: FieldCondition, textFields: ReadonlySet<string>): BsonDocument[] {
  if (condition === null || typeof condition !== 'object') {
    if (field === '_id') return [{ _id: scalar(condition) }];
    condition = { $eq: condition };
  }
  if (Array.isArray(condition)) throw new Error(`unsupported filter condition on "${field}": an array`);

  const positive: BsonDocument = {};
  const complements: BsonDocument = {};
  const exists: BsonDocument = {};
  const narrowing: BsonDocument[] = [];
  let missingMatches = true;
  for (const [operator, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    switch (operator) {
      case '$eq':
        positive.$eq = scalar(operand as Scalar);
        break;
      case '$ne':
        complements.$ne = scalar(operand as Scalar);
        break;
      case '$in':
      case '$nin':
        if (!Array.isArray(operand)) throw new Error(`${operator} takes an array`);
        (operator === '$in' ? positive : complements)[operator] = (operand as Scalar[]).map(scalar);
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        positive[operator] = operand;
        break;
      case '$contains':
        // Case-insensitive substring; MongoDB compiles with PCRE's UTF mode, so `i` folds
        // non-ASCII letters too (é/É), like the SQLite adapter's JavaScript toLowerCase().
        positive.$regex = escapeRegExp(String(operand));
        positive.$options = 'i';
        {
          const narrowed = containsNarrowing(field, String(operand), textFields);
          if (narrowed) narrowing.push(narrowed);
        }
        break;
      case '$exists':
        exists.$exists = Boolean(operand);
        break;
      default:
        throw new Error(`unsupported filter operator ${operator}`);
    }
    missingMatches &&= matchesMissing(operator, operand);
  }
  if (field === '_id') {
    const operators = { ...positive, ...complements, ...exists };
    return Object.keys(operators).length ? [{ [field]: operators }] : [];
  }

  const clauses: BsonDocument[] = [];
  // $exists already agrees on an array value; next to other operators it needs no guard of its own.
  if (Object.keys(positive).length) clauses.push({ [field]: { ...positive, $not: isArray(), ...exists } });
  else if (Object.keys(exists).length) clauses.push({ [field]: exists });
  if (Object.keys(complements).length) clauses.push({ $or: [{ [field]: isArray() }, { [field]: complements }] });
  // The trigrams only narrow what the regex above decides: they never match more than it does.
  clauses.push(...narrowing);
  if (clauses.length === 0) return [];

  // A dotted path behind an array reaches nothing in the port: the field is missing there.
  const segments = field.split('.');
  const arrayPrefixes = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('.'));
  if (arrayPrefixes.length === 0) return clauses;
  if (missingMatches) return [{ $or: [...arrayPrefixes.map((prefix) => ({ [prefix]: isArray() })), combine(clauses)] }];
  return [...arrayPrefixes.map((prefix) => ({ [prefix]: { $not: isArray() } })), ...clauses];
}

function scalar(value: Scalar): Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`unsupported filter value ${String(value)}: only strings, numbers, booleans and null`);
}

/** One document when the clauses' keys do not collide, an `$and` otherwise. */
function combine(clauses: BsonDocument[]): BsonDocument {
  if (clauses.length === 0) return {};
  if (clauses.length === 1) return clauses[0];
  const merged: BsonDocument = {};
  for (const clause of clauses) {
    for (const key of Object.keys(clause)) {
      if (Object.hasOwn(merged, key)) return { $and: clauses };
      merged[key] = clause[key];
    }
  }
  return merged;
}

function isEmpty(document: BsonDocument): boolean {
  return Object.keys(document).length === 0;
}

/**
 * An ordered sort document. Always ends with `_id` (unless `id` is a key already) so that pages
 * are stable when sort keys tie, like the SQLite adapter. A repeated field keeps its first
 * direction (SQL ignores the later, redundant key). MongoDB orders null and missing first when
 * ascending, like SQLite's NULLs.
 */
export function translateSort(sort: Sort | undefined): Record<string, 1 | -1> {
  const document: Record<string, 1 | -1> = {};
  for (const [field, direction] of sort ?? []) {
    const key = mongoField(field);
    if (!Object.hasOwn(document, key)) document[key] = direction === -1 ? -1 : 1;
  }
  if (!Object.hasOwn(document, '_id')) document._id = 1;
  return document;
}

/** The BSON types a JSON document can hold, except null: what SQLite would put in an index. */
const NON_NULL_JSON_TYPES = ['string', 'number', 'bool', 'object', 'array'];

export interface MongoIndexDescription {
  name: string;
  key: Record<string, 1 | -1>;
  unique?: true;
  partialFilterExpression?: BsonDocument;
}

/**
 * The MongoDB index for a port index spec, named deterministically from the declared fields so
 * that declaring it again is a no-op.
 *
 * - A unique index only covers live documents whose indexed fields are all non-null, so that a
 *   tombstone never blocks a new document, and (like SQLite, where NULLs never collide) several
 *   documents may lack the field.
 * - A plain index starts with the live flag and ends with `_id`: every query filters on
 *   `_deleted: false` and every sort ends with `_id`, so counts can be answered from the index
 *   and sorted pages need no in-memory sort.
 */
export function translateIndex(index: IndexSpec): MongoIndexDescription {
  if (index.fields.length === 0) throw new Error('an index needs at least one field');
  const fields: Array<[string, 1 | -1]> = index.fields.map(([field, direction]) => [mongoField(field), direction === -1 ? -1 : 1]);
  const name = `rm_${fields.map(([field, direction]) => `${field}_${direction}`).join('_')}${index.unique ? '_unique' : ''}`;
  if (index.unique) {
    const partialFilterExpression: BsonDocument = { _deleted: false };
    for (const [field] of fields) {
      if (field !== '_id') partialFilterExpression[field] = { $type: NON_NULL_JSON_TYPES };
    }
    return { name, key: Object.fromEntries(fields), unique: true, partialFilterExpression };
  }
  const key: Record<string, 1 | -1> = { _deleted: 1 };
  for (const [field, direction] of fields) if (!Object.hasOwn(key, field)) key[field] = direction;
  if (!Object.hasOwn(key, '_id')) key._id = 1;
  return { name, key };
}
