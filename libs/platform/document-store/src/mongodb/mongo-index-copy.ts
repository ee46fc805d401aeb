import type { Document as BsonDocument, IndexDescription, IndexDirection } from 'mongodb';

/**
 * The options of an index (as `listIndexes` describes it) that a copy on another collection
 * keeps. Left out: `v` (the server picks the current format), `ns` and `background` (obsolete).
 */
const COPIED_OPTIONS = [
  'unique',
  'partialFilterExpression',
  'sparse',
  'expireAfterSeconds',
  'hidden',
  'collation',
  'storageEngine',
  'weights',
  'default_language',
  'language_override',
  'textIndexVersion',
  '2dsphereIndexVersion',
  'bits',
  'min',
  'max',
  'wildcardProjection',
] as const;

/**
 * The description that recreates an index on another collection (a rebuilt read model swapped in
 * for the live one). Only the options the index has are sent: the driver serializes an undefined
 * option as null (its `ignoreUndefined` is off by default), and the server refuses
 * `unique: null` ("not convertible to bool") and `partialFilterExpression: null` ("must be an
 * object"). Null is never a valid value of any of these options either.
 */
export function indexCopy(index: BsonDocument): IndexDescription {
  const { key, name } = index as { key?: unknown; name?: unknown };
  if (typeof name !== 'string' || key === null || typeof key !== 'object') {
    throw new Error(`cannot copy the index ${JSON.stringify(index)}: it has no name or no key`);
  }
  const copy: IndexDescription = { key: { ...(key as Record<string, IndexDirection>) }, name };
  for (const option of COPIED_OPTIONS) {
    const value: unknown = index[option];
    if (value !== undefined && value !== null) (copy as BsonDocument)[option] = value;
  }
  return copy;
}

/** The copies of a collection's secondary indexes (`_id_` exists on every collection). */
export function indexCopies(indexes: readonly BsonDocument[]): IndexDescription[] {
  return indexes.filter((index) => index.name !== '_id_').map(indexCopy);
}
