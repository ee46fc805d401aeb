import type { Document as BsonDocument } from 'mongodb';
import type { MongoIndexDescription } from './mongo-filter';

/**
 * MongoDB's substring search over text-indexed fields (`DocumentCollection.ensureTextIndex`).
 *
 * MongoDB's own text indexes match words, not substrings, and an unanchored case-insensitive
 * `$regex` can use no index: every search was a collection scan. So each text-indexed field's
 * value is stored beside the document as the set of its case-folded trigrams, in
 * `_text.<field>` (a dotted field written `a-b`: `-` never occurs in a field path), with a
 * multikey index per field. A `$contains` of 3 characters or more on such a field first asks
 * the index for the documents holding every trigram of the term (`$all`), then confirms each
 * with the same case-insensitive regex as before, so the answers are the scan's exactly: the
 * trigrams only narrow the candidates, the regex decides.
 *
 * For the narrowing never to drop a match, two characters that the regex's case-insensitive
 * match takes as equal must fold to the same text (`fold`). Pure functions: unit tested without
 * a server; `_text` never leaves the store (stripped on every read).
 */

/** The stored field that holds the trigrams, per text-indexed field. */
export const TEXT_FIELD = '_text';

/** The key of a field's trigrams under `_text`: a dotted path would nest, so dots become dashes. */
export function textKey(field: string): string {
  return field.replace(/\./g, '-');
}

const folded = new Map<string, string>();

/**
 * Case-folds one character. MongoDB's regex uses PCRE's case-insensitive matching in UTF mode,
 * which is one character against one character under Unicode's simple case folding: `ſ`, `s`
 * and `S` are equal there, as are `ς`, `σ` and `Σ`, or the Kelvin sign and `k`. Lower-casing
 * alone keeps `ſ` and `ς` apart from `s` and `σ`; lower, then upper, then lower again brings
 * every such class to one text (`ß` and `ẞ` both to `ss`, which is also consistent: folding is
 * per character, so a term that is inside a value folds to text inside the folded value).
 */
function fold(character: string): string {
  let result = folded.get(character);
  if (result === undefined) {
    result = character.toLowerCase().toUpperCase().toLowerCase();
    folded.set(character, result);
  }
  return result;
}

/** The distinct trigrams (of Unicode code points) of the case-folded text. */
export function trigrams(text: string): string[] {
  const points = Array.from(Array.from(text, fold).join(''));
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= points.length; i++) grams.add(points[i] + points[i + 1] + points[i + 2]);
  return [...grams];
}

/**
 * The value at a dotted path, through objects only: the port sees a path through an array as a
 * missing field, and `$contains` only ever matches a string.
 */
function stringAt(value: unknown, path: readonly string[]): string | null {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return null;
    current = (current as Record<string, unknown>)[segment];
  }
  return typeof current === 'string' ? current : null;
}

/** `_text` of a whole document (an upsert or an insert): every field's trigrams, empty if none. */
export function textOf(body: BsonDocument, fields: readonly string[]): BsonDocument {
  const text: BsonDocument = {};
  for (const field of fields) {
    const value = stringAt(body, field.split('.'));
    text[textKey(field)] = value === null ? [] : trigrams(value);
  }
  return text;
}

/**
 * The `$set` entries that keep `_text` in step with a patch (port paths to JSON-normalised
 * values). A patch may set the field itself, an object above it (the field is then read inside
 * the new value), or a path below it (the field is then no longer a string). Other fields'
 * trigrams are left as they are.
 */
export function textPatch(set: Readonly<Record<string, unknown>>, fields: readonly string[]): BsonDocument {
  const updates: BsonDocument = {};
  for (const field of fields) {
    for (const [path, value] of Object.entries(set)) {
      let text: string | null | undefined;
      if (path === field) text = stringAt(value, []);
      else if (field.startsWith(`${path}.`)) text = stringAt(value, field.slice(path.length + 1).split('.'));
      else if (path.startsWith(`${field}.`)) text = null;
      if (text !== undefined) updates[`${TEXT_FIELD}.${textKey(field)}`] = text === null ? [] : trigrams(text);
    }
  }
  return updates;
}

/**
 * The narrowing clause of a `$contains` on a text-indexed field, or null when there is none: the
 * field has no text index, or the term is shorter than a trigram (then the regex scans, as the
 * SQLite and PostgreSQL adapters do below 3 characters).
 */
export function containsNarrowing(field: string, term: string, fields: ReadonlySet<string>): BsonDocument | null {
  if (!fields.has(field)) return null;
  const grams = trigrams(term);
  if (grams.length === 0) return null;
  return { [`${TEXT_FIELD}.${textKey(field)}`]: { $all: grams } };
}

/**
 * One index per text-indexed field, led by the live flag that every query filters on. One
 * multikey field per index: MongoDB refuses a compound index over two arrays of one document.
 */
export function textIndexes(fields: readonly string[]): MongoIndexDescription[] {
  return fields.map((field) => ({
    name: `rm_text_${textKey(field)}`,
    key: { _deleted: 1, [`${TEXT_FIELD}.${textKey(field)}`]: 1 },
  }));
}
