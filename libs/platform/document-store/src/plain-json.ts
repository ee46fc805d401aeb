import type { Document } from './document-store.port';

/**
 * What a document reads back as after a JSON round trip (undefined fields dropped, dates as
 * strings), without the round trip when it is plain data already (strings, finite numbers,
 * booleans, null, arrays and plain objects, no undefined): the write-behind caches of the SQL
 * stores hand out what a read from the table would return, at no cost for the usual document.
 */
export function normaliseDocument(doc: Document): Document {
  return isPlainJson(doc) ? doc : (JSON.parse(JSON.stringify(doc)) as Document);
}

function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    if (!isPlainJson((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
